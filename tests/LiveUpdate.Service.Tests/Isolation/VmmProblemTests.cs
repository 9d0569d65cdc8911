using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// ReportVmmProblem: a registered VMM says what keeps its VM from running (liveupdate-libvirt's refused managed save),
/// and GetStatus shows it with the registration until it is cleared or the VMM registers again. Only the registering
/// uid or an administrator may report; bad input changes nothing.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class VmmProblemTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    [RootFact(Timeout = 120_000)]
    public async Task Problem_IsShownWithTheRegistration_ClearedByEmpty_RefusedToOthersAndWithoutARegistration()
    {
        var vm = Guid.NewGuid();
        await using var root = Clients.For(fixture.Daemon);
        await root.MakeDirectoryAsync($"/problem-{vm:N}");
        await root.CreateFileAsync($"/problem-{vm:N}/ram", 2 * Clients.MiB, FileKind.GuestMemory, vm);

        var none = await Assert.ThrowsAsync<LiveUpdateException>(() => root.ReportVmmProblemAsync(vm, "stale"));
        Assert.Equal(LiveUpdateError.FailedPrecondition, none.Error);

        using (var session = await root.RegisterVmmAsync(vm, "problem"))
        {
            await root.ReportVmmProblemAsync(vm, "not started from its managed save: the memory was recreated");
            Assert.Equal("not started from its managed save: the memory was recreated", await ProblemAsync(root, vm));

            // Another uid may not speak for the VM; a problem of two lines is refused; neither changes anything.
            Peers.AssertResults(await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory, $"report-problem {vm} nothing"), "PermissionDenied");
            var bad = await Assert.ThrowsAsync<LiveUpdateException>(() => root.ReportVmmProblemAsync(vm, "two\nlines"));
            Assert.Equal(LiveUpdateError.InvalidArgument, bad.Error);
            Assert.Equal("not started from its managed save: the memory was recreated", await ProblemAsync(root, vm));

            await root.ReportVmmProblemAsync(vm, string.Empty);
            Assert.Equal(string.Empty, await ProblemAsync(root, vm));
            await root.ReportVmmProblemAsync(vm, "again");
        }

        // A new registration starts with no problem.
        using var next = await root.RegisterVmmAsync(vm, "problem");
        Assert.Equal(string.Empty, await ProblemAsync(root, vm));
    }

    private static async Task<string> ProblemAsync(LiveUpdateClient client, Guid vm) =>
        (await client.GetStatusAsync()).Vmms.Single(v => v.VmUuid == vm.ToString()).Problem;
}
