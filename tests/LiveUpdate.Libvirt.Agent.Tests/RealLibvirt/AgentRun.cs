using LiveUpdate.Client;
using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Libvirt.Agent.Tests.RealLibvirt;

/// <summary>The agent, in this process, on the running libvirtd and a test daemon; its log kept for the assertions.</summary>
internal sealed class AgentRun : IAsyncDisposable
{
    private readonly StringWriter _log = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly OwnDomains _libvirt = new(new LibvirtDomains(Virsh.Uri));
    private readonly LiveUpdateClient _client;
    private readonly Task _run;

    public AgentRun(DaemonProcess daemon)
    {
        _client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
        var agent = new LibvirtAgent(_libvirt, _client, new AgentLog(_log), TimeSpan.FromMilliseconds(200), TimeProvider.System);
        _run = Task.Run(() => agent.RunAsync(_stop.Token));
    }

    /// <summary>What the agent logged so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Waits until the agent logged a line matching <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _run.IsCompleted)
            {
                throw new TimeoutException($"the agent did not log '{text}'; its log:\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until every domain of <paramref name="vms"/> is registered (connected) with the daemon.</summary>
    public static async Task WaitRegisteredAsync(LiveUpdateClient client, params Guid[] vms)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            LifecycleStatus status = await client.GetStatusAsync();
            if (vms.All(vm => status.Vmms.Any(v => v.VmUuid == vm.ToString("D") && v.Connected)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not registered: {status}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
        await _client.DisposeAsync();
        _libvirt.Dispose();
    }
}
