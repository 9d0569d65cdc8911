using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
        private static partial byte* VirDomainGetName(SafeLibvirtDomainHandle domain);

        /// <summary>virDomainGetName; the text is the domain's own, copied here.</summary>
        internal static string GetName(SafeLibvirtDomainHandle domain, string uri)
        {
            byte* name = VirDomainGetName(domain);
            return name is null
                ? throw LastError($"reading a domain's name on {uri}")
                : Marshal.PtrToStringUTF8((nint)name)!;
        }
    }
}
