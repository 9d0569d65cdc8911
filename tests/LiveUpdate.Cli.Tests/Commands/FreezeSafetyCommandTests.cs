using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>
/// luctl and freeze safety (docs/design.md §13): this test process maps a guest-memory file without registering as its
/// VM's VMM, so the daemon (of this class alone) counts it as a holder for as long as it lives: <c>luctl status</c> lists
/// it, <c>luctl freeze</c> is refused naming it (exit 4), <c>luctl freeze --force</c> proceeds.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FreezeSafetyCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Freeze_WhileThisUnregisteredProcessHoldsGuestMemory_IsRefusedNamingIt_StatusListsIt_AndForceProceeds()
    {
        var vm = Guid.NewGuid();
        await fixture.Client.CreateFileAsync("/held-memory", 2 * DaemonFixture.MiB, FileKind.GuestMemory, vm);
        using var mapped = await fixture.Client.MapAsync("/held-memory", writable: true);
        var pid = Environment.ProcessId;

        var status = await fixture.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("guest-memory descriptor holders: 1, 1 not a registered VMM or its child", status.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^  +{pid} +\d+ +{vm} +no +.* /held-memory$", status.Stdout);

        var refused = await fixture.RunAsync("freeze", "--timeout", "10s");
        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains($"pid {pid} ", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"/held-memory of VM {vm}", refused.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^state +ACTIVE\b", (await fixture.RunAsync("status")).Stdout); // refused before anything changed

        var forced = await fixture.RunAsync("freeze", "--timeout", "10s", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains($"by force although unregistered processes hold guest memory (pid {pid} ", forced.Stdout, StringComparison.Ordinal);
        var thaw = await fixture.RunAsync("thaw");
        Assert.True(thaw.ExitCode == 0, thaw.ToString());
    }
}
