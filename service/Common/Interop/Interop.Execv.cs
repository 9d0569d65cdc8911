using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int ExecvRaw(string path, string?[] argv);

        /// <summary>
        /// execv(2): replaces this process by <paramref name="path"/> with <paramref name="argv"/> (argv[0] included), the
        /// environment and every descriptor without FD_CLOEXEC kept. Returns only on failure: throws <see cref="Error"/>.
        /// </summary>
        internal static void Execv(string path, IReadOnlyList<string> argv)
        {
            string?[] terminated = [.. argv, null];
            ExecvRaw(path, terminated);
            throw Error(LastErrno, $"execv of {path}");
        }
    }
}
