internal static partial class Interop
{
    /// <summary>Names of the native libraries LiveUpdate binds to. Each project links only the files of the calls it makes.</summary>
    internal static partial class Libraries
    {
        /// <summary>The C library. The runtime maps the bare name "libc" to the process's C library (libc.so.6 on glibc).</summary>
        internal const string Libc = "libc";

        /// <summary>libvirt's client library, by soname: Debian's runtime package libvirt0 is enough, no -dev package.</summary>
        internal const string Libvirt = "libvirt.so.0";

        /// <summary>libxml2, which libvirt links to (only to quiet its default error printer, see <see cref="Libvirt"/>).</summary>
        internal const string LibXml2 = "libxml2.so.2";
    }
}
