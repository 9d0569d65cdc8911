using LiveUpdate.Client.Internal;
using LiveUpdate.Client.Tests.Support;
using LiveUpdate.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client.Tests;

/// <summary>Mapping extents of a region descriptor at consecutive addresses, against a real tmpfs file standing in for the region.</summary>
public sealed class MappedFileTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public void Map_ExtentsInShuffledRegionOrder_ViewShowsTheFileContiguously()
    {
        using var region = new ShmFile(8 * MiB, seed: 11);
        // File chunk i lives at region chunk order[i].
        int[] order = [2, 0, 3, 1];
        FileExtent[] extents = [.. order.Select((chunk, i) => new FileExtent((ulong)(i * 2 * MiB), (ulong)(chunk * 2 * MiB), 2 * MiB))];
        using OpenedFile file = Opened(region, FileAccess.Read, extents, 8 * MiB, Access.ReadOnly);

        using MappedFile mapped = file.Map(writable: false);

        Assert.Equal(8 * MiB, mapped.Length);
        Assert.Equal(8 * MiB, mapped.MappedLength);
        Assert.Equal(0, mapped.Address % (2 * MiB));
        for (int i = 0; i < order.Length; i++)
        {
            ReadOnlySpan<byte> view = mapped.GetReadOnlySpan(i * 2L * MiB, 2 * MiB);
            Assert.True(view.SequenceEqual(region.Bytes.AsSpan(order[i] * 2 * MiB, 2 * MiB)), $"file chunk {i} must show region chunk {order[i]}");
        }
    }

    [Fact]
    public void Map_SmallPageExtents_AreJoinedAtTheirFileOffsets()
    {
        using var region = new ShmFile(64 * 1024, seed: 5);
        FileExtent[] extents = [new(0, 12288, 4096), new(4096, 0, 8192), new(12288, 40960, 4096)];
        using OpenedFile file = Opened(region, FileAccess.Read, extents, 15000, Access.ReadOnly);

        using MappedFile mapped = file.Map(writable: false);

        Assert.Equal(15000, mapped.Length);
        Assert.Equal(16384, mapped.MappedLength);
        Assert.True(mapped.GetReadOnlySpan(0, 4096).SequenceEqual(region.Bytes.AsSpan(12288, 4096)));
        Assert.True(mapped.GetReadOnlySpan(4096, 8192).SequenceEqual(region.Bytes.AsSpan(0, 8192)));
        Assert.True(mapped.GetReadOnlySpan(12288, 2712).SequenceEqual(region.Bytes.AsSpan(40960, 2712)));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapped.GetReadOnlySpan(12288, 4096));
    }

    [Fact]
    public void Map_Writable_WritesReachTheRegionAtTheExtentsOffset()
    {
        using var region = new ShmFile(4 * MiB, seed: 2);
        FileExtent[] extents = [new(0, 2 * MiB, 2 * MiB), new(2 * MiB, 0, 2 * MiB)];
        using OpenedFile file = Opened(region, FileAccess.ReadWrite, extents, 4 * MiB, Access.ReadWrite);

        using (MappedFile mapped = file.Map(writable: true, prefault: true))
        {
            mapped.GetSpan(10, 3).Fill(0xAB);
            mapped.GetSpan((2 * MiB) + 20, 2).Fill(0xCD);
        }

        byte[] head = new byte[3];
        byte[] tail = new byte[2];
        RandomAccess.Read(file.Handle, head, (2 * MiB) + 10);
        RandomAccess.Read(file.Handle, tail, 20);
        Assert.Equal([0xAB, 0xAB, 0xAB], head);
        Assert.Equal([0xCD, 0xCD], tail);
    }

    [Fact]
    public void Map_WritableFromReadOnlyDescriptor_IsRefusedByTheKernel()
    {
        using var region = new ShmFile(4 * MiB);
        FileExtent[] extents = [new(0, 0, 2 * MiB), new(2 * MiB, 2 * MiB, 2 * MiB)];
        // The descriptor is O_RDONLY, whatever the object claims: the kernel decides.
        using OpenedFile file = Opened(region, FileAccess.Read, extents, 4 * MiB, Access.ReadWrite);

        var e = Assert.Throws<LiveUpdateException>(() => file.Map(writable: true));

        Assert.Equal(LiveUpdateError.PermissionDenied, e.Error);
        Assert.Equal(13, e.Errno);
        Assert.Contains("read-only", e.Message, StringComparison.Ordinal);
        Assert.Contains("EACCES", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapWindow_SmallFileInsideATwoMebibyteWindow_ShowsAndWritesItsOwnBytes()
    {
        // How a 64 KiB device-state file at region offset 0x240000 is mapped on device DAX (which refuses the extent
        // itself with EINVAL): the window [2 MiB, 4 MiB) is mapped whole and the view starts 0x40000 into it.
        using var region = new ShmFile(4 * MiB, seed: 3);
        FileExtent[] extents = [new(0, 0x240000, 65536)];
        using OpenedFile file = Opened(region, FileAccess.ReadWrite, extents, 65536, Access.ReadWrite);
        var window = ExtentWindow.Of(extents)!.Value;

        using (var mapped = new MappedFile(ExtentMapper.MapWindow(file.Handle, window, 65536, writable: true, file.Path), 65536, writable: true, file.Path))
        {
            Assert.Equal(0x40000, mapped.Address % (2 * MiB));
            Assert.Equal(65536, mapped.MappedLength);
            Assert.True(mapped.ReadOnlySpan.SequenceEqual(region.Bytes.AsSpan(0x240000, 65536)));
            Assert.True(mapped.Prefault());
            mapped.GetSpan(65535, 1)[0] = (byte)(region.Bytes[0x240000 + 65535] ^ 0xFF);
            Assert.Throws<ArgumentOutOfRangeException>(() => mapped.GetReadOnlySpan(65535, 2));
        }

        byte[] last = new byte[2];
        RandomAccess.Read(file.Handle, last, 0x240000 + 65535);
        Assert.Equal((byte)(region.Bytes[0x240000 + 65535] ^ 0xFF), last[0]);
        Assert.Equal(region.Bytes[0x240000 + 65536], last[1]);
    }

    [Fact]
    public void Map_ReadOnly_RefusesWritableSpans()
    {
        using var region = new ShmFile(2 * MiB);
        using OpenedFile file = Opened(region, FileAccess.Read, [new(0, 0, 2 * MiB)], 2 * MiB, Access.ReadOnly);
        using MappedFile mapped = file.Map(writable: false);

        Assert.False(mapped.IsWritable);
        Assert.Throws<InvalidOperationException>(() => mapped.GetSpan(0, 1));
        Assert.Equal(region.Bytes[0], mapped.ReadOnlySpan[0]);
    }

    [Fact]
    public void Map_ExtentPastTheEndOfTheDescriptor_StillMaps_ButPrefaultFails()
    {
        // mmap beyond EOF succeeds on tmpfs; touching it would raise SIGBUS. MADV_POPULATE reports it as an error instead.
        using var region = new ShmFile(2 * MiB);
        using OpenedFile file = Opened(region, FileAccess.Read, [new(0, 4 * MiB, 2 * MiB)], 2 * MiB, Access.ReadOnly);

        var e = Assert.Throws<LiveUpdateException>(() => file.Map(writable: false, prefault: true));

        Assert.Equal(LiveUpdateError.MapFailed, e.Error);
        Assert.Contains("MADV_POPULATE_READ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EmptyFile_IsInvalidArgument()
    {
        using var region = new ShmFile(4096);
        using OpenedFile file = Opened(region, FileAccess.Read, [], 0, Access.ReadOnly);

        var e = Assert.Throws<LiveUpdateException>(() => file.Map(writable: false));

        Assert.Equal(LiveUpdateError.InvalidArgument, e.Error);
    }

    [Fact]
    public void Map_OutlivesTheDescriptor_AndDisposeUnmaps()
    {
        using var region = new ShmFile(2 * MiB, seed: 9);
        MappedFile mapped;
        using (OpenedFile file = Opened(region, FileAccess.Read, [new(0, 0, 2 * MiB)], 2 * MiB, Access.ReadOnly))
        {
            mapped = file.Map(writable: false);
        }

        nint address = mapped.Address;
        Assert.Equal(region.Bytes[12345], mapped.ReadOnlySpan[12345]);
        Assert.Contains(Mappings(), m => m.Start == address);

        mapped.Dispose();

        Assert.DoesNotContain(Mappings(), m => m.Start <= address && address < m.End);
        Assert.Throws<ObjectDisposedException>(() => mapped.Address);
    }

    [Fact]
    public void Map_AfterOpenedFileDisposed_Throws()
    {
        using var region = new ShmFile(4096);
        OpenedFile file = Opened(region, FileAccess.Read, [new(0, 0, 4096)], 4096, Access.ReadOnly);
        file.Dispose();

        Assert.True(file.Handle.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => file.Map(writable: false));
    }

    [Fact]
    public void OpenedFile_ProcPath_NamesTheDescriptor()
    {
        using var region = new ShmFile(4096);
        using OpenedFile file = Opened(region, FileAccess.Read, [new(0, 0, 4096)], 4096, Access.ReadOnly);

        Assert.Equal($"/proc/self/fd/{file.Descriptor}", file.ProcPath);
        Assert.Equal(region.Path, File.ResolveLinkTarget(file.ProcPath, returnFinalTarget: false)?.FullName);
    }

    [Fact]
    public void Map_FileOfOneGibibyte_IsAlignedToOneGibibyte()
    {
        string path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "lu-client-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            RandomAccess.SetLength(handle, 1L << 30); // sparse: costs no memory until touched
            using var file = new OpenedFile("/vm/big", handle, 1UL << 30, [new(0, 0, 1UL << 30)], path, Access.ReadWrite);

            using MappedFile mapped = file.Map(writable: false);

            Assert.Equal(0, mapped.Address % (1L << 30));
            Assert.Equal(0, mapped.GetReadOnlySpan((1L << 30) - 1, 1)[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task OpenedFile_InconsistentExtents_AreRefused_AndTheDescriptorClosed()
    {
        using var region = new ShmFile(4096);
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        var writeEnd = new SafeFileHandle(pipe.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: true);
        pipe.ClientSafePipeHandle.SetHandleAsInvalid();

        var e = Assert.Throws<LiveUpdateException>(() => new OpenedFile("/vm/x", writeEnd, 8192, [new(0, 0, 4096)], region.Path, Access.ReadOnly));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
        Assert.True(writeEnd.IsClosed);
        Assert.Equal(0, await pipe.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static OpenedFile Opened(ShmFile region, FileAccess fileAccess, FileExtent[] extents, ulong size, Access access)
    {
        SafeFileHandle handle = region.Open(fileAccess);
        return new OpenedFile("/vm/test", handle, size, extents, region.Path, access);
    }

    /// <summary>The process's mappings from /proc/self/maps.</summary>
    private static List<(nint Start, nint End)> Mappings() =>
        [.. File.ReadLines("/proc/self/maps").Select(line =>
        {
            string range = line[..line.IndexOf(' ', StringComparison.Ordinal)];
            int dash = range.IndexOf('-', StringComparison.Ordinal);
            return ((nint)Convert.ToInt64(range[..dash], 16), (nint)Convert.ToInt64(range[(dash + 1)..], 16));
        })];
}
