using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        /// <summary>virDomainMetadataType: an XML element in the domain's &lt;metadata&gt;, found by namespace URI.</summary>
        internal const int VIR_DOMAIN_METADATA_ELEMENT = 2;

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetMetadata", StringMarshalling = StringMarshalling.Utf8)]
        private static partial byte* VirDomainGetMetadata(SafeLibvirtDomainHandle domain, int type, string uri, uint flags);

        /// <summary>
        /// virDomainGetMetadata(<see cref="VIR_DOMAIN_METADATA_ELEMENT"/>, <paramref name="namespaceUri"/>, flags 0): the
        /// element libvirt keeps for that namespace, or null when the domain has none (VIR_ERR_NO_DOMAIN_METADATA).
        /// </summary>
        internal static string? GetMetadataElement(SafeLibvirtDomainHandle domain, string namespaceUri, string label)
        {
            byte* element = VirDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, namespaceUri, 0);
            if (element is not null)
            {
                return Libc.TakeString(element);
            }

            LibvirtException error = LastError($"reading the {namespaceUri} metadata of {label}");
            return error.Code == VIR_ERR_NO_DOMAIN_METADATA ? null : throw error;
        }
    }
}
