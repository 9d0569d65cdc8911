using System.Globalization;
using System.Security.Cryptography;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// docs/design.md §6 interop: a peer that is not C# (EndToEnd/peer.py on Debian's python3: socket.recv_fds and mmap, no gRPC)
/// redeems tokens the C# side got from Open and sees, at each extent's region offset, the bytes LiveUpdate.Client wrote.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PythonPeerTests
{
    private const ulong FileBytes = 16 * Clients.MiB;
    private const ulong Seed = 0x5EED_0002;

    [Fact(Timeout = 120_000)]
    public async Task PythonPeer_MapsEachExtentAtItsRegionOffset_AndReadsWhatTheCSharpClientWrote()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: (long)(64 * Clients.MiB));
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await Clients.FragmentAsync(client, 2 * Clients.MiB);
        var file = await client.CreateFileAsync("/interop", FileBytes, FileKind.GuestMemory);
        Assert.True(file.Extents.Count >= 2, $"expected a fragmented file, got extents {file.Extents}");

        using var mapped = await client.MapAsync("/interop", writable: true, prefault: true);
        Pattern.Fill(mapped.Span, Seed, 0);
        var expected = Convert.ToHexStringLower(SHA256.HashData(mapped.ReadOnlySpan));

        // Read-only: the python peer sees the pattern, its descriptor is O_RDONLY, and PROT_WRITE is refused.
        var readOnly = await client.FilesClient.OpenAsync(new OpenRequest { Path = "/interop", Access = Access.ReadOnly });
        Assert.Equal(file.Extents, readOnly.Extents);
        var read = await PythonPeer.RunAsync(null, "read", readOnly.FdSocketPath, Convert.ToHexString(readOnly.Token.Span),
            FileBytes.ToString(CultureInfo.InvariantCulture), PythonPeer.ExtentsArgument(readOnly.Extents), "--try-write");
        Assert.Equal("rdonly", read.GetProperty("accmode").GetString());
        Assert.Equal(expected, read.GetProperty("sha256").GetString());
        Assert.True(read.GetProperty("write_refused").GetBoolean(), "python mapped a read-only hand-out PROT_WRITE");
        Assert.All(file.Extents, e => Assert.Equal(0UL, e.RegionOffset % (ulong)read.GetProperty("granularity").GetInt64()));

        // Read-write: bytes python writes into the last extent appear in the C# client's mapping at the file offset.
        var last = file.Extents[^1];
        var offset = (long)last.FileOffset + 12_288;
        var readWrite = await client.FilesClient.OpenAsync(new OpenRequest { Path = "/interop", Access = Access.ReadWrite });
        var written = await PythonPeer.RunAsync(null, "read", readWrite.FdSocketPath, Convert.ToHexString(readWrite.Token.Span),
            FileBytes.ToString(CultureInfo.InvariantCulture), PythonPeer.ExtentsArgument(readWrite.Extents),
            "--write", offset.ToString(CultureInfo.InvariantCulture), Convert.ToHexString("written by python"u8));
        Assert.Equal("rdwr", written.GetProperty("accmode").GetString());
        Assert.True(mapped.GetReadOnlySpan(offset, 17).SequenceEqual("written by python"u8));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(mapped.ReadOnlySpan)), written.GetProperty("sha256").GetString());
        Assert.Equal(-1, Pattern.FirstMismatch(mapped.GetReadOnlySpan(0, (int)offset), Seed, 0));

        // Each token was good for one hand-out.
        var again = await PythonPeer.RunAsync(null, "fetch", readOnly.FdSocketPath, Convert.ToHexString(readOnly.Token.Span));
        Assert.Equal(0x01, again.GetProperty("status").GetInt32());
        Assert.Equal(0, again.GetProperty("fds").GetInt32());
    }
}
