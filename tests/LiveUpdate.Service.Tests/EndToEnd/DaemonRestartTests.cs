using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// docs/design.md §11 multi-process: a real daemon process, a LiveUpdate.Client that creates guest memory, receives its
/// descriptor, maps it and writes a pattern; the daemon is stopped (SIGTERM) or killed (SIGKILL) and started again on the
/// same region; the file, its extents and its bytes are still there, seen through a new mapping and through the mapping
/// the client kept across the restart.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DaemonRestartTests
{
    private const ulong FileBytes = 64 * Clients.MiB;
    private const ulong Seed = 0x5EED_0001;

    [Theory(Timeout = 180_000)]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task Restart_AfterSignal_KeepsTheFileItsExtentsAndThePattern_AndTheKeptMappingStillReadsIt(string signal)
    {
        await using var daemon = DaemonProcess.Create(regionBytes: (long)(160 * Clients.MiB));
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);

        // Holes of 8 MiB: the 64 MiB file gets several extents, each mapped at its own region offset.
        await Clients.FragmentAsync(client, 8 * Clients.MiB);
        var vm = Guid.NewGuid();
        await client.MakeDirectoryAsync("/vm");
        var created = await client.CreateFileAsync("/vm/ram", FileBytes, FileKind.GuestMemory, vm);
        Assert.True(created.Extents.Count >= 2, $"expected a fragmented file, got extents {created.Extents}");

        using var opened = await client.OpenAsync("/vm/ram", Access.ReadWrite);
        Assert.Equal(Clients.ToFileExtents(created.Extents), opened.Extents);
        using var kept = opened.Map(writable: true, prefault: true);
        Pattern.Fill(kept.Span, Seed, 0);
        var before = await RegionTree.CaptureAsync(client.FilesClient);

        if (signal == "SIGTERM")
        {
            Assert.Equal(0, await daemon.StopAsync());
        }
        else
        {
            await daemon.KillAsync();
        }

        // With no daemon at all, the mapping is still the region's memory.
        Assert.Equal(-1, Pattern.FirstMismatch(kept.ReadOnlySpan, Seed, 0));

        // A call made while the daemon is down is retried until the new daemon answers it.
        var statWhileDown = client.StatAsync("/vm/ram");
        await daemon.StartAsync();
        var stat = await statWhileDown;

        Assert.Equal(created.Extents, stat.Extents); // identical region offsets
        Assert.Equal(created.Inode, stat.Inode);
        Assert.Equal(created.Generation, stat.Generation);
        Assert.Equal(FileBytes, stat.SizeBytes);
        Assert.Equal(vm.ToString("D"), stat.VmUuid);

        var after = await RegionTree.CaptureAsync(client.FilesClient);
        Assert.Equal(before.Entries, after.Entries); // the whole tree, generations and extents included
        Assert.Equal(before.Region.UsedBytes, after.Region.UsedBytes);
        Assert.Equal(before.Region.FreeBytes, after.Region.FreeBytes);
        Assert.Equal(before.Region.RegionUuid, after.Region.RegionUuid);
        after.AssertSpaceConsistent();
        Assert.Contains(signal == "SIGKILL" ? "removed stale socket" : "detached region", daemon.Output, StringComparison.Ordinal);

        // Re-open and map afresh: byte for byte the pattern.
        using var reopened = await client.OpenAsync("/vm/ram", Access.ReadOnly);
        Assert.Equal(Clients.ToFileExtents(created.Extents), reopened.Extents);
        using var fresh = reopened.Map(writable: false);
        Assert.Equal(-1, Pattern.FirstMismatch(fresh.ReadOnlySpan, Seed, 0));
        Assert.Equal(-1, Pattern.FirstMismatch(kept.ReadOnlySpan, Seed, 0));

        // The kept and the new mapping are the same memory: a write through one shows in the other, in every extent.
        foreach (var extent in created.Extents)
        {
            var offset = (long)extent.FileOffset + 4096;
            "after the restart"u8.CopyTo(kept.GetSpan(offset, 17));
            Assert.True(fresh.GetReadOnlySpan(offset, 17).SequenceEqual("after the restart"u8), $"extent at file offset {extent.FileOffset}");
        }

        Assert.Equal(0, await daemon.StopAsync());
    }
}
