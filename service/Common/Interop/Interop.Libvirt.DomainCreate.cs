using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainCreate")]
        private static partial int VirDomainCreate(SafeLibvirtDomainHandle domain);

        /// <summary>virDomainCreate: starts a defined domain, restored from its managed save when it has one (blocks until running).</summary>
        internal static void Create(SafeLibvirtDomainHandle domain, string label)
        {
            if (VirDomainCreate(domain) < 0)
            {
                throw LastError($"starting {label}");
            }
        }
    }
}
