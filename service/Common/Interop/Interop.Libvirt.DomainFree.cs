using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainFree")]
        private static partial int VirDomainFree(nint domain);

        /// <summary>virDomainFree; only <see cref="SafeLibvirtDomainHandle"/> calls it.</summary>
        internal static int DomainFree(nint domain) => VirDomainFree(domain);
    }
}
