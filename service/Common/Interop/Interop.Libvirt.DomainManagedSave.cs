using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainManagedSave")]
        private static partial int VirDomainManagedSave(SafeLibvirtDomainHandle domain, uint flags);

        /// <summary>virDomainManagedSave: saves the running domain to libvirt's managed-save image and stops it (blocks until done).</summary>
        internal static void ManagedSave(SafeLibvirtDomainHandle domain, string label)
        {
            if (VirDomainManagedSave(domain, 0) < 0)
            {
                throw LastError($"managed-saving {label}");
            }
        }
    }
}
