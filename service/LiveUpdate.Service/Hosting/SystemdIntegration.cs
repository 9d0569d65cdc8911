using System.Globalization;
using System.Net.Sockets;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// Tells systemd (Type=notify) where the daemon is, through Microsoft.Extensions.Hosting.Systemd's notifier: READY=1 once
/// <see cref="DaemonStartup"/> has attached the region and both sockets listen, STOPPING=1 when a stop begins, and
/// WATCHDOG=1 every half WATCHDOG_USEC while the region is attached and the descriptor socket serves. The package's own
/// lifetime (UseSystemd) is not used: it sends a bare READY=1 at ApplicationStarted and knows no watchdog, while the
/// daemon also reports MAINPID and a STATUS line and withholds the watchdog ping when it cannot serve.
/// </summary>
internal sealed class SystemdIntegration(
    ISystemdNotifier notifier,
    RegionHost regionHost,
    FdHandoutSocket fdSocket,
    IOptions<DaemonOptions> options,
    TimeProvider time,
    ILogger<SystemdIntegration> logger) : IDisposable
{
    private ITimer? _watchdog;

    /// <summary>The start-up sequence is done: logs it, sends READY=1 and starts the watchdog when systemd asked for one.</summary>
    public void Ready()
    {
        var settings = options.Value;
        using (var process = System.Diagnostics.Process.GetCurrentProcess())
        {
            DaemonLog.Ready(logger, (DateTime.Now - process.StartTime).TotalMilliseconds, settings.GrpcSocketPath, settings.FdSocketPath, regionHost.RegionPath);
        }

        if (!notifier.IsEnabled)
        {
            return;
        }

        Notify($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS=serving {settings.GrpcSocketPath}, region {regionHost.RegionPath}");
        if (WatchdogInterval() is { } interval)
        {
            DaemonLog.WatchdogEnabled(logger, interval.TotalMilliseconds);
            _watchdog = time.CreateTimer(_ => Ping(), null, interval, interval);
        }
    }

    /// <summary>A stop begins: STOPPING=1.</summary>
    public void Stopping() => Notify("STOPPING=1\nSTATUS=stopping");

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

    /// <summary>Sends <paramref name="state"/>; a service manager that went away is not the daemon's failure.</summary>
    private void Notify(string state)
    {
        try
        {
            notifier.Notify(new ServiceState(state));
        }
        catch (SocketException)
        {
        }
    }

    private void Ping()
    {
        if (regionHost.Region is not null && fdSocket.IsServing)
        {
            Notify("WATCHDOG=1");
        }
        else
        {
            DaemonLog.WatchdogWithheld(logger, regionHost.Region is not null, fdSocket.IsServing);
        }
    }
}
