using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Benchmarks.Native;

/// <summary>
/// The system calls the benchmarks need and the BCL lacks, each a thin call into the shared native layer
/// (service/Common/Interop), the same wrappers the client and the engine use. Failures throw <see cref="IOException"/>
/// naming the call and the errno.
/// </summary>
public static class BenchmarkNative
{
    /// <summary>
    /// sendmsg(2) of <paramref name="payload"/> as one message on <paramref name="socket"/> (blocking), with
    /// <paramref name="descriptor"/> as SCM_RIGHTS when given; MSG_NOSIGNAL, retried on EINTR. The caller still owns
    /// (and closes) <paramref name="descriptor"/>.
    /// </summary>
    public static void SendMessage(Socket socket, ReadOnlySpan<byte> payload, SafeHandle? descriptor)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ReadOnlySpan<SafeHandle> descriptors = descriptor is null ? [] : [descriptor];
        if (Interop.Libc.SendMessage(socket.SafeHandle, payload, descriptors, 0, out int errno) < 0)
        {
            throw Interop.Libc.Error(errno, "sendmsg");
        }
    }

    /// <summary>
    /// recvmsg(2) of one message on <paramref name="socket"/> (blocking) into <paramref name="buffer"/>, with a control
    /// buffer for one descriptor (CMSG_SPACE(sizeof(int))) and MSG_CMSG_CLOEXEC, as the client receives a hand-out.
    /// Returns the bytes received (0: the peer closed) and the SCM_RIGHTS descriptor, which the caller owns, or null when
    /// none came. Descriptors past the first are closed.
    /// </summary>
    public static int ReceiveMessage(Socket socket, Span<byte> buffer, out SafeFileHandle? descriptor)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> control = stackalloc byte[Interop.Libc.CmsgHdr.Space(sizeof(int))];
        control.Clear();
        int received = Interop.Libc.ReceiveMessage(
            socket.SafeHandle, buffer, control, Interop.Libc.MSG_CMSG_CLOEXEC, out _, out int controlLength, out int errno);
        if (received < 0)
        {
            throw Interop.Libc.Error(errno, "recvmsg");
        }

        descriptor = null;
        if (controlLength >= Interop.Libc.CmsgHdr.MessageLength(sizeof(int)))
        {
            var header = MemoryMarshal.Read<Interop.Libc.CmsgHdr>(control);
            if (header.Level == Interop.Libc.SOL_SOCKET && header.Type == Interop.Libc.SCM_RIGHTS)
            {
                int count = ((int)header.Length - Interop.Libc.CmsgHdr.DataOffset) / sizeof(int);
                for (int i = 0; i < count; i++)
                {
                    var handle = new SafeFileHandle(MemoryMarshal.Read<int>(control[(Interop.Libc.CmsgHdr.DataOffset + (i * sizeof(int)))..]), ownsHandle: true);
                    if (i == 0)
                    {
                        descriptor = handle;
                    }
                    else
                    {
                        handle.Dispose();
                    }
                }
            }
        }

        return received;
    }

    /// <summary>
    /// open(2) of the existing file <paramref name="path"/> with O_CLOEXEC, read-write or read-only. Unlike
    /// <see cref="File.OpenHandle"/> it takes no advisory lock, which a region its engine holds exclusively would refuse.
    /// </summary>
    public static SafeFileHandle OpenUnlocked(string path, bool writable) =>
        Interop.Libc.Open(path, (writable ? Interop.Libc.O_RDWR : Interop.Libc.O_RDONLY) | Interop.Libc.O_CLOEXEC);

    /// <summary>
    /// Faults in [<paramref name="address"/>, +<paramref name="length"/>) for writing, the range page-aligned and mapped
    /// by the caller: madvise(MADV_POPULATE_WRITE), or on kernels without it (before Linux 5.14) one store per page.
    /// The range's contents are unspecified afterwards.
    /// </summary>
    public static unsafe void PrefaultWrite(byte* address, long length)
    {
        if (Interop.Libc.TryPopulate((nint)address, (nuint)length, write: true, "a benchmark buffer"))
        {
            return;
        }

        for (long offset = 0; offset < length; offset += Environment.SystemPageSize)
        {
            address[offset] = 0;
        }
    }

    /// <summary>
    /// CPU time the calling thread has used, in milliseconds (CLOCK_THREAD_CPUTIME_ID): unlike wall time it does not
    /// grow while other processes hold the CPU (with workstation GC it includes the collections this thread triggers).
    /// </summary>
    public static double ThreadCpuMilliseconds()
    {
        var time = Interop.Libc.ClockGettime(Interop.Libc.CLOCK_THREAD_CPUTIME_ID);
        return (time.Seconds * 1000.0) + (time.Nanoseconds / 1_000_000.0);
    }
}
