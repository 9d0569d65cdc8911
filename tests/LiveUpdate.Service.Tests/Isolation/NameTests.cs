using System.Text.Json;
using Grpc.Core;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// Issue 15, finding 5: names with a newline or ESC were accepted and <c>luctl ls</c> printed them raw (fake listing
/// lines, terminal escapes). Now a new name with a control character (C0, DEL, C1) is refused, a name stored by an older
/// daemon still loads, and luctl escapes whatever does not print (docs/design.md §13).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NameTests
{
    [Theory(Timeout = 60_000)]
    [InlineData("/bad\nname")]
    [InlineData("/esc\u001b[31mred")]
    [InlineData("/del\u007f")]
    [InlineData("/next\u0085line")]
    [InlineData("/tab\tname")]
    public async Task NewNameWithAControlCharacter_IsRefusedByEveryCallThatNamesSomething_AndChangesNothing(string odd)
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        using var channel = daemon.Channel();
        var files = new Files.FilesClient(channel);
        await files.CreateFileAsync(new CreateFileRequest { Path = "/good", SizeBytes = 4096, Kind = FileKind.Blob });
        var before = await RegionTree.CaptureAsync(files);

        RpcException[] refused =
        [
            await Assert.ThrowsAsync<RpcException>(async () => await files.CreateFileAsync(new CreateFileRequest { Path = odd, SizeBytes = 4096, Kind = FileKind.Blob })),
            await Assert.ThrowsAsync<RpcException>(async () => await files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = odd })),
            await Assert.ThrowsAsync<RpcException>(async () => await files.RenameAsync(new RenameRequest { Path = "/good", NewPath = odd })),
        ];

        Assert.All(refused, e =>
        {
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains("a name must not contain control characters: U+", e.Status.Detail, StringComparison.Ordinal);
        });
        before.AssertUnchanged(await RegionTree.CaptureAsync(files), $"refused names like {JsonSerializer.Serialize(odd)}");
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 180_000)]
    public async Task NameStoredByAnOlderDaemon_StillLoads_AndLuctlPrintsItEscaped_ButJsonKeepsItExact()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using (var client = Clients.For(daemon))
        {
            await client.CreateFileAsync("/stored_name", 4096, FileKind.Blob);
            await client.CreateFileAsync("/esc_[31mred", 4096, FileKind.Blob);
        }

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Equal(1, StoredNamePatch.Rewrite(daemon.RegionPath, "stored_name", "stored\nname"));
        Assert.Equal(1, StoredNamePatch.Rewrite(daemon.RegionPath, "esc_[31mred", "esc\u001b[31mred"));
        await daemon.StartAsync();

        await using var after = Clients.For(daemon);
        Assert.Equal(["/esc\u001b[31mred", "/stored\nname"], (await after.ListAsync("/")).Select(f => f.Path).Order(StringComparer.Ordinal));

        var ls = await Luctl.RunAsync(daemon, "ls", "/");
        Assert.Equal(0, ls.ExitCode);
        Assert.Equal(["esc\\x1b[31mred", "stored\\nname"], ls.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var longListing = await Luctl.RunAsync(daemon, "ls", "-l", "/");
        Assert.Contains("stored\\nname", longListing.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', longListing.Stdout);
        Assert.Equal(4, longListing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // total, header, two rows: no fake line

        var stat = await Luctl.RunAsync(daemon, "stat", "/stored\nname");
        Assert.Contains("/stored\\nname", stat.Stdout, StringComparison.Ordinal);

        var json = await Luctl.RunAsync(daemon, "ls", "--json", "/");
        using var parsed = JsonDocument.Parse(json.Stdout);
        Assert.Contains(parsed.RootElement.GetProperty("entries").EnumerateArray(), e => e.GetProperty("path").GetString() == "/stored\nname");
        Assert.Contains("\\n", json.Stdout, StringComparison.Ordinal);

        // An error that quotes the name is escaped too; the odd name can be moved keeping it (as quarantine does) and
        // renamed to a good one.
        var refused = await Luctl.RunAsync(daemon, "mkdir", "/esc\u001b[31mred");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain('\u001b', refused.Stderr);
        await after.MakeDirectoryAsync("/moved");
        await after.RenameAsync("/esc\u001b[31mred", "/moved/esc\u001b[31mred");
        await after.RenameAsync("/stored\nname", "/stored-name");
        Assert.Equal(0, await daemon.StopAsync());
    }
}
