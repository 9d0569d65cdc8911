using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>
    /// The libxml2 calls libvirt's initialization needs, only to replace libxml2's default error printer (see
    /// <see cref="Libraries.LibXml2"/>).
    /// </summary>
    internal static partial class LibXml2
    {
        /// <summary>xmlInitParser: libxml2's global state, set up before its error handlers are replaced.</summary>
        [LibraryImport(Libraries.LibXml2, EntryPoint = "xmlInitParser")]
        internal static partial void InitParser();
    }
}
