using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests;

/// <summary>Start-up, refusal and shutdown of real daemon processes.</summary>
[Trait("Category", "EndToEnd")]
public sealed class DaemonLifecycleTests
{
    [Fact(Timeout = 120_000)]
    public async Task Sigterm_AfterServing_ExitsZeroRemovesSocketsAndKeepsFiles()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        Assert.Equal("750", Convert.ToString((int)File.GetUnixFileMode(daemon.SocketDirectory), 8));
        Assert.Equal("660", Convert.ToString((int)File.GetUnixFileMode(daemon.GrpcSocketPath), 8));
        Assert.Equal("660", Convert.ToString((int)File.GetUnixFileMode(daemon.FdSocketPath), 8));
        using (var channel = daemon.Channel())
        {
            await new Files.FilesClient(channel).CreateFileAsync(new CreateFileRequest { Path = "/kept", SizeBytes = 4096, Kind = FileKind.DeviceState });
        }

        Assert.Equal(0, await daemon.StopAsync());
        Assert.False(File.Exists(daemon.GrpcSocketPath));
        Assert.False(File.Exists(daemon.FdSocketPath));
        Assert.Contains("detached region", daemon.Output, StringComparison.Ordinal);

        await daemon.StartAsync();
        using var again = daemon.Channel();
        var kept = await new Files.FilesClient(again).StatAsync(new StatRequest { Path = "/kept" });
        Assert.Equal(FileKind.DeviceState, kept.Kind);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task SecondDaemon_OnTheSameRegion_ExitsOneWithAClearMessageAndLeavesTheFirstAlone()
    {
        await using var first = DaemonProcess.Create();
        await first.StartAsync();
        await using var second = DaemonProcess.Create();
        var exit = await second.RunToExitAsync("--region", first.RegionPath);
        Assert.Equal(1, exit);
        Assert.Contains("held by another process", second.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(second.SocketDirectory)); // it stopped before touching any socket

        using var channel = first.Channel();
        Assert.Equal(first.RegionPath, (await new Files.FilesClient(channel).GetRegionAsync(new GetRegionRequest())).Path);
        Assert.Equal(0, await first.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task SecondDaemon_OnTheSameSocketDirectory_ExitsOneAndTheFirstKeepsServing()
    {
        await using var first = DaemonProcess.Create();
        await first.StartAsync();
        await using var second = DaemonProcess.Create();
        Assert.Equal(1, await second.RunToExitAsync("--socket-dir", first.SocketDirectory));
        Assert.Contains("another daemon is serving", second.Output, StringComparison.Ordinal);

        using var channel = first.Channel();
        await new Files.FilesClient(channel).GetRegionAsync(new GetRegionRequest());
        Assert.Equal(0, await first.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Start_AfterSigkill_ReplacesTheStaleSockets()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await daemon.KillAsync();
        Assert.True(File.Exists(daemon.GrpcSocketPath));

        await daemon.StartAsync();
        Assert.Contains("removed stale socket", daemon.Output, StringComparison.Ordinal);
        using var channel = daemon.Channel();
        await new Files.FilesClient(channel).GetRegionAsync(new GetRegionRequest());
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Start_ForeignData_IsRefusedWithoutFormatAndFormattedWithIt()
    {
        await using var daemon = DaemonProcess.Create();
        await using (var region = new FileStream(daemon.RegionPath, FileMode.Open))
        {
            region.Write("not a region, somebody's data"u8);
        }

        Assert.Equal(1, await daemon.RunToExitAsync());
        Assert.Contains("not a LiveUpdate region", daemon.Output, StringComparison.Ordinal);
        Assert.Equal((byte)'n', File.ReadAllBytes(daemon.RegionPath)[0]);

        await daemon.StartAsync("--format");
        using var channel = daemon.Channel();
        Assert.Equal(0ul, (await new Files.FilesClient(channel).GetRegionAsync(new GetRegionRequest())).FileCount);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Theory(Timeout = 120_000)]
    [InlineData("--region-size", "3M")]
    [InlineData("--metrics-port", "70000")]
    [InlineData("--phys-base", "0x1234")]
    [InlineData("--admin-group", "no-such-group-here")]
    [InlineData("--bogus", "x")]
    public async Task Start_BadOption_ExitsTwoWithOneLine(string option, string value)
    {
        await using var daemon = DaemonProcess.Create();
        Assert.Equal(2, await daemon.RunToExitAsync(option, value));
        var lines = daemon.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("liveupdated: ", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Metrics_OnLoopback_CountCallsAndServeNothingElse()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync("--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var channel = daemon.Channel())
        {
            var files = new Files.FilesClient(channel);
            await files.GetRegionAsync(new GetRegionRequest());
            await Assert.ThrowsAsync<RpcException>(async () => await files.StatAsync(new StatRequest { Path = "/missing" }));
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("liveupdate_rpc_requests_total{method=\"/liveupdate.v1.Files/Stat\",code=\"NOT_FOUND\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("liveupdate_region_files 0", metrics, StringComparison.Ordinal);
        Assert.Contains("liveupdate_dma_domains 0", metrics, StringComparison.Ordinal);
        Assert.Contains("liveupdate_dma_mapped_bytes 0", metrics, StringComparison.Ordinal);
        Assert.Contains("liveupdate_region_bytes{kind=\"total\"} 67108864", metrics, StringComparison.Ordinal);
        var grpcOverTcp = await http.PostAsync(new Uri("/liveupdate.v1.Files/GetRegion", UriKind.Relative), new ByteArrayContent([]));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, grpcOverTcp.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Stat_OfAMissingPath_IsNotFound()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        using var channel = daemon.Channel();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Files.FilesClient(channel).StatAsync(new StatRequest { Path = "/nothing/here" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task StartUp_OnceQuiet_ReturnsItsGarbageOnce_AndKeepsServing()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync();
        using var channel = daemon.Channel();
        var files = new Files.FilesClient(channel);
        for (var i = 0; i < 200; i++)
        {
            await files.CreateFileAsync(new CreateFileRequest { Path = $"/f{i}", SizeBytes = 4096, Kind = FileKind.Blob });
        }

        // The first quiet second after start-up (nothing is reconciled on a first attach) ends in one aggressive collection.
        var pattern = new Regex(@"returned start-up memory: managed heap ([0-9.]+) -> ([0-9.]+) MiB, resident ([0-9.]+) -> ([0-9.]+) MiB");
        var trimmed = await daemon.WaitForOutputAsync(pattern, TimeSpan.FromSeconds(30));

        Assert.True(trimmed.Success, "no HeapTrimmed line within 30 s:\n" + daemon.Output);
        double Mib(int group) => double.Parse(trimmed.Groups[group].Value, CultureInfo.InvariantCulture);
        Assert.InRange(Mib(2), 0.01, Mib(1));
        Assert.True(Mib(3) > 0 && Mib(4) > 0, trimmed.Value);

        await Task.Delay(1500);
        Assert.Single(pattern.Matches(daemon.Output));
        Assert.Equal(200, (await files.ListAsync(new ListRequest { Path = "/" })).Entries.Count);
        Assert.Equal(0, await daemon.StopAsync());
    }
}
