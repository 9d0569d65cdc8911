using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainHasManagedSaveImage")]
        private static partial int VirDomainHasManagedSaveImage(SafeLibvirtDomainHandle domain, uint flags);

        /// <summary>virDomainHasManagedSaveImage: true when the domain has a managed save (its next start restores it).</summary>
        internal static bool HasManagedSaveImage(SafeLibvirtDomainHandle domain, string label) => VirDomainHasManagedSaveImage(domain, 0) switch
        {
            1 => true,
            0 => false,
            _ => throw LastError($"reading whether {label} has a managed save"),
        };
    }
}
