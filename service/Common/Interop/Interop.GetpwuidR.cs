using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// struct passwd (pwd.h, 64-bit): <c>0 char* pw_name, 8 char* pw_passwd, 16 u32 pw_uid, 20 u32 pw_gid,
        /// 24 char* pw_gecos, 32 char* pw_dir, 40 char* pw_shell</c>.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct Passwd
        {
            public byte* Name;
            public byte* Password;
            public uint Uid;
            public uint Gid;
            public byte* Gecos;
            public byte* Directory;
            public byte* Shell;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "getpwuid_r")]
        private static unsafe partial int GetpwuidRRaw(uint uid, Passwd* passwd, byte* buffer, nuint length, Passwd** result);

        /// <summary>getpwuid_r(3): the user name and primary gid of <paramref name="uid"/>, or null when no user has it.</summary>
        internal static unsafe (string Name, uint Gid)? GetUser(uint uid)
        {
            for (int length = 1024; ; length *= 2)
            {
                byte[] buffer = new byte[length];
                Passwd passwd;
                Passwd* result;
                int error;
                fixed (byte* pointer = buffer)
                {
                    error = GetpwuidRRaw(uid, &passwd, pointer, (nuint)length, &result);
                    if (error == 0)
                    {
                        return result is null ? null : (Marshal.PtrToStringUTF8((nint)passwd.Name) ?? string.Empty, passwd.Gid);
                    }
                }

                if (error == ENOENT)
                {
                    return null;
                }

                if (error != ERANGE || length >= 1 << 24)
                {
                    throw Error(error, $"getpwuid_r of uid {uid}");
                }
            }
        }
    }
}
