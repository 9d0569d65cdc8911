using System.Globalization;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// Tells systemd (Type=notify) where the daemon is: READY=1 once the region is attached and both sockets listen (this
/// service's StartedAsync runs after every hosted service started, Kestrel included), STOPPING=1 when a stop begins, and
/// WATCHDOG=1 every half WATCHDOG_USEC while the region is attached and the descriptor socket serves.
/// </summary>
internal sealed class SystemdIntegration(
    SystemdNotifier notifier,
    RegionHost regionHost,
    FdHandoutSocket fdSocket,
    IOptions<DaemonOptions> options,
    TimeProvider time,
    ILogger<SystemdIntegration> logger) : IHostedLifecycleService, IDisposable
{
    private ITimer? _watchdog;

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using (var process = System.Diagnostics.Process.GetCurrentProcess())
        {
            DaemonLog.Ready(logger, (DateTime.Now - process.StartTime).TotalMilliseconds, settings.GrpcSocketPath, settings.FdSocketPath, regionHost.RegionPath);
        }

        if (!notifier.IsEnabled)
        {
            return Task.CompletedTask;
        }

        notifier.Notify($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS=serving {settings.GrpcSocketPath}, region {regionHost.RegionPath}");
        if (WatchdogInterval() is { } interval)
        {
            DaemonLog.WatchdogEnabled(logger, interval.TotalMilliseconds);
            _watchdog = time.CreateTimer(_ => Ping(), null, interval, interval);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        notifier.Notify("STOPPING=1\nSTATUS=stopping");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _watchdog?.Dispose();
        _watchdog = null;
    }

    /// <summary>Half of WATCHDOG_USEC when it is set for this process (WATCHDOG_PID unset or ours), else null.</summary>
    private static TimeSpan? WatchdogInterval()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return ulong.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec / 2.0)
            : null;
    }

    private void Ping()
    {
        if (regionHost.Region is not null && fdSocket.IsServing)
        {
            notifier.Notify("WATCHDOG=1");
        }
        else
        {
            DaemonLog.WatchdogWithheld(logger, regionHost.Region is not null, fdSocket.IsServing);
        }
    }
}
