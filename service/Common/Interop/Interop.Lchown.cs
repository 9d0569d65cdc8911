using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The uid or gid argument of chown that leaves the value unchanged ((uid_t)-1).</summary>
        internal const uint Unchanged = uint.MaxValue;

        [LibraryImport(Libraries.Libc, EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int LchownRaw(string path, uint uid, uint gid);

        /// <summary>lchown(2): sets the owner and/or group of <paramref name="path"/> itself (a symlink is not followed).</summary>
        internal static void Lchown(string path, uint uid, uint gid)
        {
            if (LchownRaw(path, uid, gid) != 0)
            {
                throw Error(LastErrno, $"chown of {path}");
            }
        }
    }
}
