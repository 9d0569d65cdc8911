using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libc
    {
        // libvirt documents that the caller free()s what virConnectListAllDomains, virDomainGetXMLDesc and
        // virDomainGetMetadata return; libvirt allocates with the C library's malloc.
        [LibraryImport(Libraries.Libc, EntryPoint = "free")]
        internal static partial void Free(void* pointer);

        /// <summary>Copies a UTF-8 string a native library handed over (allocated with malloc, e.g. by libvirt), then frees it.</summary>
        internal static string TakeString(byte* text)
        {
            try
            {
                return Marshal.PtrToStringUTF8((nint)text)!;
            }
            finally
            {
                Free(text);
            }
        }
    }
}
