using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectClose")]
        private static partial int VirConnectClose(nint connection);

        /// <summary>virConnectClose; only <see cref="SafeLibvirtConnectionHandle"/> calls it.</summary>
        internal static int ConnectClose(nint connection) => VirConnectClose(connection);
    }
}
