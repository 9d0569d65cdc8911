using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainLookupByUUIDString", StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeLibvirtDomainHandle VirDomainLookupByUUIDString(SafeLibvirtConnectionHandle connection, string uuid);

        /// <summary>virDomainLookupByUUIDString: the domain <paramref name="uuid"/>; a missing one throws with code VIR_ERR_NO_DOMAIN.</summary>
        internal static SafeLibvirtDomainHandle LookupByUuid(SafeLibvirtConnectionHandle connection, Guid uuid)
        {
            SafeLibvirtDomainHandle domain = VirDomainLookupByUUIDString(connection, uuid.ToString("D"));
            if (domain.IsInvalid)
            {
                LibvirtException error = LastError($"looking up domain {uuid:D}");
                domain.Dispose();
                throw error;
            }

            return domain;
        }
    }
}
