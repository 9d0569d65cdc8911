using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetState")]
        private static partial int VirDomainGetState(SafeLibvirtDomainHandle domain, int* state, int* reason, uint flags);

        /// <summary>virDomainGetState: the virDomainState value (the reason is not needed).</summary>
        internal static int GetState(SafeLibvirtDomainHandle domain, string label)
        {
            int state;
            int reason;
            return VirDomainGetState(domain, &state, &reason, 0) < 0 ? throw LastError($"reading the state of {label}") : state;
        }
    }
}
