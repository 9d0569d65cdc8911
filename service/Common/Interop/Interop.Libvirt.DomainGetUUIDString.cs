using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // 36 characters and the terminating NUL (VIR_UUID_STRING_BUFLEN in libvirt-host.h).
        private const int VIR_UUID_STRING_BUFLEN = 37;

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetUUIDString")]
        private static partial int VirDomainGetUUIDString(SafeLibvirtDomainHandle domain, byte* buffer);

        /// <summary>virDomainGetUUIDString, parsed.</summary>
        internal static Guid GetUuid(SafeLibvirtDomainHandle domain, string label)
        {
            byte* buffer = stackalloc byte[VIR_UUID_STRING_BUFLEN];
            if (VirDomainGetUUIDString(domain, buffer) < 0)
            {
                throw LastError($"reading the UUID of {label}");
            }

            return Guid.Parse(Marshal.PtrToStringUTF8((nint)buffer)!);
        }
    }
}
