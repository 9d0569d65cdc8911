using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>geteuid(2): the effective user id; it cannot fail.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
        internal static partial uint Geteuid();
    }
}
