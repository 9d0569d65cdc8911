using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetXMLDesc")]
        private static partial byte* VirDomainGetXMLDesc(SafeLibvirtDomainHandle domain, uint flags);

        /// <summary>virDomainGetXMLDesc with flags 0: the live XML of a running domain, the definition of an inactive one.</summary>
        internal static string GetXmlDescription(SafeLibvirtDomainHandle domain, string label)
        {
            byte* xml = VirDomainGetXMLDesc(domain, 0);
            return xml is null ? throw LastError($"reading the XML of {label}") : Libc.TakeString(xml);
        }
    }
}
