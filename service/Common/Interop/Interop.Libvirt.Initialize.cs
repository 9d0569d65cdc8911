using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        private static readonly Lock s_initializeLock = new();
        private static bool s_initialized;

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virInitialize")]
        private static partial int VirInitialize();

        /// <summary>
        /// Once per process, before the first connection: libvirt's and libxml2's default error handlers print every error
        /// to stderr (a daemon's journal), so both get a no-op handler; errors are still read with virGetLastError. libxml2
        /// keeps that handler per thread, copied from a default when a thread first uses it, so the default is set as well
        /// as this thread's. Nothing else in the process uses libxml2.
        /// </summary>
        private static void EnsureInitialized(string operation)
        {
            lock (s_initializeLock)
            {
                if (s_initialized)
                {
                    return;
                }

                try
                {
                    VirSetErrorFunc(null, &IgnoreLibvirtError);
                    if (VirInitialize() < 0)
                    {
                        throw LastError("initializing libvirt");
                    }

                    LibXml2.InitParser();
                    LibXml2.ThrDefSetGenericErrorFunc(null, &IgnoreXmlMessage);
                    LibXml2.SetGenericErrorFunc(null, &IgnoreXmlMessage);
                }
                catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
                {
                    throw new LibvirtException(
                        operation, VIR_ERR_OK, 0, $"{Libraries.Libvirt} could not be loaded (Debian package libvirt0): {exception.Message}", exception);
                }

                s_initialized = true;
            }
        }

        // libxml2's xmlGenericErrorFunc is variadic (ctx, format, ...); a handler that reads no argument may be declared
        // with the fixed ones only on the Linux ABIs (x86_64 SysV, AAPCS64).
        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void IgnoreXmlMessage(void* context, byte* format)
        {
        }
    }
}
