using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>
/// <c>luctl status</c> shows what a registered VMM reported keeps its VM from running (ReportVmmProblem): the sentence
/// liveupdate-libvirt sends when it refuses a stale managed save, whole, under the VMMs, and in --json.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class VmmProblemStatusTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Status_ShowsTheVmmsProblem_UnderTheTable_AndInJson()
    {
        var vm = Guid.NewGuid();
        await fixture.Client.CreateFileAsync($"/problem-{vm:N}", 2 * DaemonFixture.MiB, FileKind.GuestMemory, vm);
        using var session = await fixture.Client.RegisterVmmAsync(vm, "stale-domain");
        const string problem = "not started from its managed save: /vm/x/memory was recreated since the managed save";
        await fixture.Client.ReportVmmProblemAsync(vm, problem);

        var status = await fixture.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"  problem: stale-domain ({vm}): {problem}", status.Stdout, StringComparison.Ordinal);
        var json = (await fixture.RunAsync("status", "--json")).Json;
        Assert.Contains(problem, json.ToString(), StringComparison.Ordinal);

        await fixture.Client.ReportVmmProblemAsync(vm, string.Empty);
        Assert.DoesNotContain("problem:", (await fixture.RunAsync("status")).Stdout, StringComparison.Ordinal);
    }
}
