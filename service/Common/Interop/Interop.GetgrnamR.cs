using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct group (grp.h, 64-bit): <c>0 char* gr_name, 8 char* gr_passwd, 16 u32 gr_gid (+4), 24 char** gr_mem</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct Group
        {
            public byte* Name;
            public byte* Password;
            public uint Gid;
            public byte** Members;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int GetgrnamRRaw(string name, Group* group, byte* buffer, nuint length, Group** result);

        /// <summary>
        /// getgrnam_r(3): the gid and member names of group <paramref name="name"/>, or null when there is no such group.
        /// The thread-safe variant, grown on ERANGE; NSS errors throw.
        /// </summary>
        internal static unsafe (uint Gid, string[] Members)? GetGroup(string name)
        {
            for (int length = 4096; ; length *= 2)
            {
                byte[] buffer = new byte[length];
                Group group;
                Group* result;
                int error;
                fixed (byte* pointer = buffer)
                {
                    error = GetgrnamRRaw(name, &group, pointer, (nuint)length, &result);
                    if (error == 0)
                    {
                        if (result is null)
                        {
                            return null;
                        }

                        var members = new List<string>();
                        for (byte** member = group.Members; member is not null && *member is not null; member++)
                        {
                            members.Add(Marshal.PtrToStringUTF8((nint)(*member)) ?? string.Empty);
                        }

                        return (group.Gid, members.ToArray());
                    }
                }

                if (error == ENOENT)
                {
                    return null;
                }

                if (error != ERANGE || length >= 1 << 24)
                {
                    throw Error(error, $"getgrnam_r of group {name}");
                }
            }
        }
    }
}
