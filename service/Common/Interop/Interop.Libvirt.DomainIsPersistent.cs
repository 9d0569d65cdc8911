using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainIsPersistent")]
        private static partial int VirDomainIsPersistent(SafeLibvirtDomainHandle domain);

        /// <summary>virDomainIsPersistent: true for a defined domain, false for a transient one.</summary>
        internal static bool IsPersistent(SafeLibvirtDomainHandle domain, string label) => VirDomainIsPersistent(domain) switch
        {
            1 => true,
            0 => false,
            _ => throw LastError($"reading whether {label} is persistent"),
        };
    }
}
