using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const int AT_EMPTY_PATH = 0x1000;

        /// <summary>STATX_BASIC_STATS: type, mode, nlink, uid, gid, times, ino, size, blocks.</summary>
        internal const uint STATX_BASIC_STATS = 0x7FF;

        internal const ushort S_IFMT = 0xF000;
        internal const ushort S_IFCHR = 0x2000;
        internal const ushort S_IFDIR = 0x4000;
        internal const ushort S_IFREG = 0x8000;
        internal const ushort S_IFSOCK = 0xC000;

        /// <summary>
        /// struct statx (linux/stat.h), the same 256 bytes on every architecture. Only the fields LiveUpdate reads are
        /// declared; the rest is padding here.
        /// <code>
        ///   0 u32 stx_mask        4 u32 stx_blksize     8 u64 stx_attributes
        ///  16 u32 stx_nlink      20 u32 stx_uid        24 u32 stx_gid        28 u16 stx_mode   30 u16 spare
        ///  32 u64 stx_ino        40 u64 stx_size       48 u64 stx_blocks     56 u64 stx_attributes_mask
        ///  64 atime  80 btime  96 ctime  112 mtime  (struct statx_timestamp, 16 bytes each)
        /// 128 u32 stx_rdev_major 132 u32 stx_rdev_minor 136 u32 stx_dev_major 140 u32 stx_dev_minor
        /// 144 u64 stx_mnt_id    152 … 255 newer fields and spare
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal struct StatxBuffer
        {
            /// <summary>sizeof(struct statx).</summary>
            public const int TotalSize = 256;

            /// <summary>stx_mask: which fields the kernel filled.</summary>
            [FieldOffset(0)] public uint Mask;

            /// <summary>stx_uid.</summary>
            [FieldOffset(20)] public uint Uid;

            /// <summary>stx_gid.</summary>
            [FieldOffset(24)] public uint Gid;

            /// <summary>stx_mode: file type (S_IFMT bits) and permissions.</summary>
            [FieldOffset(28)] public ushort Mode;

            /// <summary>stx_ino.</summary>
            [FieldOffset(32)] public ulong Inode;

            /// <summary>stx_size: file size in bytes.</summary>
            [FieldOffset(40)] public ulong Size;

            /// <summary>stx_blocks: allocated storage in 512-byte units.</summary>
            [FieldOffset(48)] public ulong Blocks;

            /// <summary>stx_rdev_major: major number of the device a special file stands for.</summary>
            [FieldOffset(128)] public uint RdevMajor;

            /// <summary>stx_rdev_minor: minor number of the device a special file stands for.</summary>
            [FieldOffset(132)] public uint RdevMinor;

            /// <summary>stx_dev_major: the filesystem the inode lives on.</summary>
            [FieldOffset(136)] public uint DevMajor;

            /// <summary>stx_dev_minor.</summary>
            [FieldOffset(140)] public uint DevMinor;

            /// <summary>The file type bits (S_IFMT).</summary>
            public readonly uint FileType => (uint)(Mode & S_IFMT);

            /// <summary>The permission bits (07777).</summary>
            public readonly uint Permissions => Mode & 0xFFFu;

            /// <summary>True for a character device.</summary>
            public readonly bool IsCharacterDevice => FileType == S_IFCHR;

            /// <summary>True for a regular file.</summary>
            public readonly bool IsRegularFile => FileType == S_IFREG;

            /// <summary>Bytes of storage actually allocated (what du reports): stx_blocks × 512.</summary>
            public readonly long AllocatedBytes => (long)Blocks * 512;

            /// <summary>Identifies the inode (filesystem, inode number, and the device a special file stands for).</summary>
            public readonly (uint DevMajor, uint DevMinor, ulong Inode, uint RdevMajor, uint RdevMinor) Identity =>
                (DevMajor, DevMinor, Inode, RdevMajor, RdevMinor);
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static unsafe partial int StatxRaw(int dirfd, string path, int flags, uint mask, StatxBuffer* buffer);

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static unsafe partial int StatxRaw(SafeFileHandle dirfd, string path, int flags, uint mask, StatxBuffer* buffer);

        /// <summary>
        /// statx of a path (with <paramref name="noFollow"/>, of a symlink itself), retried on EINTR;
        /// false with <paramref name="errno"/> on failure.
        /// </summary>
        internal static unsafe bool TryStatx(string path, bool noFollow, out StatxBuffer buffer, out int errno)
        {
            buffer = default;
            fixed (StatxBuffer* pointer = &buffer)
            {
                while (StatxRaw(AT_FDCWD, path, noFollow ? AT_SYMLINK_NOFOLLOW : 0, STATX_BASIC_STATS, pointer) != 0)
                {
                    errno = LastErrno;
                    if (errno != EINTR)
                    {
                        return false;
                    }
                }
            }

            errno = 0;
            return true;
        }

        /// <summary>statx of a path (symlinks followed); throws <see cref="Error"/> naming the path on failure.</summary>
        internal static StatxBuffer Statx(string path)
        {
            if (!TryStatx(path, noFollow: false, out StatxBuffer buffer, out int errno))
            {
                throw Error(errno, $"statx of {path}");
            }

            return buffer;
        }

        /// <summary>
        /// statx of an open descriptor (AT_EMPTY_PATH), so that what is checked is what was opened, retried on EINTR;
        /// false with <paramref name="errno"/> on failure.
        /// </summary>
        internal static unsafe bool TryFstatx(SafeFileHandle fd, out StatxBuffer buffer, out int errno)
        {
            buffer = default;
            fixed (StatxBuffer* pointer = &buffer)
            {
                while (StatxRaw(fd, string.Empty, AT_EMPTY_PATH, STATX_BASIC_STATS, pointer) != 0)
                {
                    errno = LastErrno;
                    if (errno != EINTR)
                    {
                        return false;
                    }
                }
            }

            errno = 0;
            return true;
        }

        /// <summary>statx of an open descriptor of <paramref name="path"/>; throws <see cref="Error"/> on failure.</summary>
        internal static StatxBuffer Fstatx(SafeFileHandle fd, string path) =>
            TryFstatx(fd, out StatxBuffer buffer, out int errno) ? buffer : throw Error(errno, $"statx of {path}");
    }
}
