using System.Diagnostics;
using System.Threading.Channels;
using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>freeze, status, thaw and the state-refused exit code against a real daemon with two registered test VMMs.</summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class LifecycleCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Freeze_TwoVmms_ShowsLiveProgressByNameAndUuid_EndsFrozen_RefusesChanges_ThenThawReturnsToActive()
    {
        await fixture.Client.CreateFileAsync("/lifecycle-blob", 4096, FileKind.Blob);
        await using var alpha = await InProcessVmm.RegisterAsync(fixture, "vm-alpha");
        await using var bravo = await InProcessVmm.RegisterAsync(fixture, "vm-bravo");

        var registered = await fixture.RunAsync("status");
        Assert.Contains("VMMs: 2 registered, 0 acked", registered.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^  vm-alpha +{alpha.Vm} +\d+ +\d+ +no +yes ", registered.Stdout);

        using var freeze = LuctlProcess.Start("freeze", "--timeout", "30s", "--socket-dir", fixture.Daemon.SocketDirectory);
        var lines = ReadLines(freeze);

        // vm-alpha acks at once; vm-bravo holds the barrier until luctl has shown alpha acked and bravo pending.
        var alphaAcks = alpha.AckWhenPreparedAsync();
        var halfway = await WaitForLineAsync(lines, l => l.Contains("acked 1/2", StringComparison.Ordinal));
        Assert.Contains("WAITING_FOR_ACKS", halfway, StringComparison.Ordinal);
        Assert.Contains($"acked 1/2: vm-alpha ({alpha.Vm})", halfway, StringComparison.Ordinal);
        Assert.Contains($"pending: vm-bravo ({bravo.Vm})", halfway, StringComparison.Ordinal);
        await alphaAcks;
        await bravo.AckWhenPreparedAsync();

        var frozen = await WaitForLineAsync(lines, l => l.Contains(" FROZEN ", StringComparison.Ordinal));
        Assert.Contains("acked 2/2", frozen, StringComparison.Ordinal);
        var summary = await WaitForLineAsync(lines, l => l.StartsWith("FROZEN:", StringComparison.Ordinal));
        Assert.Contains("generation", summary, StringComparison.Ordinal);
        await freeze.WaitForExitAsync();
        Assert.Equal(0, freeze.ExitCode);

        var status = await fixture.RunAsync("status");
        Assert.Matches(@"(?m)^state +FROZEN since ", status.Stdout);
        Assert.Contains("VMMs: 2 registered, 2 acked", status.Stdout, StringComparison.Ordinal);
        Assert.Equal("FROZEN", (await fixture.RunAsync("status", "--json")).Json.GetProperty("state").GetString());

        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("create", "/while-frozen", "--size", "4K", "--kind", "blob"), 4, "luctl: create: FAILED_PRECONDITION: ");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("rm", "/lifecycle-blob"), 4, "luctl: rm: FAILED_PRECONDITION: ");
        Assert.Equal(0, (await fixture.RunAsync("ls", "/")).ExitCode); // reads are fine

        var thaw = await fixture.RunAsync("thaw");
        Assert.True(thaw.ExitCode == 0, thaw.ToString());
        Assert.Equal("thawed: FROZEN -> ACTIVE\n", thaw.Stdout);
        Assert.NotNull(await alpha.WaitForAsync(VmmEventKind.Thawed));
        Assert.Matches(@"(?m)^state +ACTIVE since ", (await fixture.RunAsync("status")).Stdout);

        var again = (await fixture.RunAsync("thaw", "--json")).Json;
        Assert.Equal("ACTIVE", again.GetProperty("state").GetString());
        Assert.Equal("ACTIVE", again.GetProperty("previous_state").GetString());
        Assert.Equal(0, (await fixture.RunAsync("rm", "/lifecycle-blob")).ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_AVmmNeverAcks_TimesOut_ExitsOne_Aborted_AndJsonNamesThePendingVmm()
    {
        await using var silent = await InProcessVmm.RegisterAsync(fixture, "vm-silent");

        var human = await fixture.RunAsync("freeze", "--timeout", "1s");
        Assert.True(human.ExitCode == 1, human.ToString());
        Assert.Contains($"pending: vm-silent ({silent.Vm})", human.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ABORTED: .*timed out.*; the host is ACTIVE again$", human.Stdout);
        Assert.Equal(LifecycleState.Active, (await fixture.Client.GetStatusAsync()).State);

        var json = await fixture.RunAsync("freeze", "--timeout", "500ms", "--json");
        Assert.True(json.ExitCode == 1, json.ToString());
        var document = json.Json;
        Assert.Equal("ABORTED", document.GetProperty("phase").GetString());
        Assert.False(document.GetProperty("forced").GetBoolean());
        Assert.Empty(document.GetProperty("acked").EnumerateArray());
        var pending = Assert.Single(document.GetProperty("pending").EnumerateArray().ToArray());
        Assert.Equal("vm-silent", pending.GetProperty("name").GetString());
        Assert.Equal(silent.Vm.ToString(), pending.GetProperty("vm_uuid").GetString());
        Assert.True(pending.GetProperty("connected").GetBoolean());
        Assert.True(document.GetProperty("elapsed_seconds").GetDouble() >= 0.45, document.ToString());
        Assert.Contains("timed out", document.GetProperty("message").GetString(), StringComparison.Ordinal);
        var progress = document.GetProperty("progress").EnumerateArray().Select(p => p.GetProperty("phase").GetString()).ToArray();
        Assert.Equal("DRAINING", progress[0]);
        Assert.Equal("ABORTED", progress[^1]);
        Assert.Contains("WAITING_FOR_ACKS", progress);
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_Forced_SealsFrozenWithoutTheAck_AndThawUndoesIt()
    {
        await using var silent = await InProcessVmm.RegisterAsync(fixture, "vm-forced");

        var forced = await fixture.RunAsync("freeze", "--timeout", "500ms", "--force");
        try
        {
            Assert.True(forced.ExitCode == 0, forced.ToString());
            Assert.Matches(@"(?m)^FROZEN: generation \d+, by force;", forced.Stdout);
            Assert.Contains($"pending: vm-forced ({silent.Vm})", forced.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal(0, (await fixture.RunAsync("thaw")).ExitCode);
        }
    }

    private static Channel<string> ReadLines(Process process)
    {
        var lines = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                await lines.Writer.WriteAsync(line);
            }

            lines.Writer.Complete(new EndOfStreamException("luctl freeze ended; stderr: " + await process.StandardError.ReadToEndAsync()));
        });
        return lines;
    }

    private static async Task<string> WaitForLineAsync(Channel<string> lines, Func<string, bool> match)
    {
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await lines.Reader.ReadAsync(timeout.Token);
                seen.Add(line);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or EndOfStreamException)
        {
            throw new Xunit.Sdk.XunitException($"no such line ({ex.Message}); luctl printed:\n{string.Join('\n', seen)}");
        }
    }
}
