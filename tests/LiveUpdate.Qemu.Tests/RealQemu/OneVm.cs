using LiveUpdate.Client;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>What most real-QEMU tests start with: a daemon on a 256 MiB region, a client, and one VM counting under its supervisor.</summary>
internal sealed class OneVm : IAsyncDisposable
{
    private OneVm(DaemonProcess daemon, string name)
    {
        Daemon = daemon;
        Client = TestVm.Client(daemon);
        Vm = new TestVm(daemon, name);
        Supervisor = Vm.Start();
    }

    public DaemonProcess Daemon { get; }

    public LiveUpdateClient Client { get; }

    public TestVm Vm { get; }

    /// <summary>The first supervisor of the VM.</summary>
    public SupervisorProcess Supervisor { get; }

    /// <summary>Starts the daemon (with <paramref name="daemonArguments"/>) and the VM; returns once the guest has counted TICK 1.</summary>
    public static async Task<OneVm> StartAsync(string name, params string[] daemonArguments)
    {
        var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync(daemonArguments);
        var started = new OneVm(daemon, name);
        await started.Vm.Serial.WaitForAsync("^TICK 1 ");
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        Vm.Dispose();
        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
    }
}
