using LiveUpdate.Client;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>liveupdate-qemu as a process against a real daemon: bad usage creates nothing, and QEMU's own failure is its exit status.</summary>
[Collection(RealQemuCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class BadArgumentsTests : IAsyncLifetime
{
    private readonly DaemonProcess _daemon = DaemonProcess.Create(regionBytes: 256L << 20);

    public Task InitializeAsync() => _daemon.StartAsync();

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    public static TheoryData<string[]> BadUsage => new()
    {
        new[] { "--memory", "3M" },
        new[] { "--memory", "64M", "--bogus", "1" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-m", "64M" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "--m=64M" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-object", "memory-backend-ram,id=r,size=64M" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-machine", "q35,memory-backend=r" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-mem-path", "/dev/shm" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-qmp", "unix:/tmp/x,server=on,wait=off" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-mon", "chardev=c,mode=control" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-incoming", "defer" },
        new[] { "--memory", "64M", "--", TickGuest.Qemu, "-daemonize" },
        new[] { "--memory", "64M" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(BadUsage))]
    public async Task BadUsage_ExitsTwo_AndCreatesNothing(string[] arguments)
    {
        var vm = Guid.NewGuid();
        var (code, output) = await SupervisorProcess.RunAsync(
            ["--vm", vm.ToString("D"), "--socket-dir", _daemon.SocketDirectory, .. arguments]);
        Assert.True(code == 2, $"exit {code}:\n{output}");
        Assert.StartsWith("liveupdate-qemu: ", output, StringComparison.Ordinal);
        await using var client = TestVm.Client(_daemon);
        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => client.StatAsync($"/vm/{vm:D}"));
        Assert.Equal(LiveUpdateError.NotFound, e.Error);
        Assert.False(Directory.Exists(Path.Combine(_daemon.SocketDirectory, $"qemu-{vm:D}")));
    }

    [Fact(Timeout = 60_000)]
    public async Task QemuThatFailsToStart_ItsExitStatusIsTheSupervisors()
    {
        using var vm = new TestVm(_daemon, "no-such-machine");
        var arguments = vm.Arguments().Select(a => a == "q35" ? "no-such-machine" : a);
        var (code, output) = await vm.RunAsync(arguments);
        Assert.True(code == 1, $"exit {code}:\n{output}");
        Assert.Contains("QEMU exited with status 1 before the guest ran", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Help_ExitsZero_AndNamesEveryOption()
    {
        var (code, output) = await SupervisorProcess.RunAsync(["--help"]);
        Assert.Equal(0, code);
        foreach (var option in new[] { "--vm", "--name", "--memory", "--socket-dir", "--shutdown-timeout", "Exit status" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }
}
