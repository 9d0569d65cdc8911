using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectOpen", StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeLibvirtConnectionHandle VirConnectOpen(string name);

        /// <summary>virConnectOpen of <paramref name="uri"/>, read-write: what saving and starting domains needs.</summary>
        internal static SafeLibvirtConnectionHandle Open(string uri)
        {
            string operation = $"opening libvirt connection {uri}";
            EnsureInitialized(operation);
            SafeLibvirtConnectionHandle connection = VirConnectOpen(uri);
            if (connection.IsInvalid)
            {
                LibvirtException error = LastError(operation);
                connection.Dispose();
                throw error;
            }

            return connection;
        }
    }
}
