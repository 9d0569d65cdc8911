using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectIsAlive")]
        private static partial int VirConnectIsAlive(SafeLibvirtConnectionHandle connection);

        /// <summary>virConnectIsAlive: 1 alive, 0 closed (e.g. libvirtd went away), -1 on error.</summary>
        internal static int IsAlive(SafeLibvirtConnectionHandle connection) => VirConnectIsAlive(connection);
    }
}
