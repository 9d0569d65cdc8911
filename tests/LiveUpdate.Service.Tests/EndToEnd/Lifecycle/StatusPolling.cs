using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>Waits on the daemon's GetStatus, and the small steps the lifecycle tests share.</summary>
internal static class StatusPolling
{
    private static readonly TimeSpan s_defaultWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls GetStatus until <paramref name="done"/> holds; fails with the last status after <paramref name="timeout"/>.</summary>
    public static async Task<LifecycleStatus> WaitForAsync(LiveUpdateClient client, Func<LifecycleStatus, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? s_defaultWait;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await client.GetStatusAsync();
            if (done(status))
            {
                return status;
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"{what}: not reached within {limit.TotalSeconds:0} s; last status: {status}");
            }

            await Task.Delay(s_interval);
        }
    }

    /// <summary>Waits for the reconcile a daemon runs by itself at start (after a new boot) to end; returns the status then.</summary>
    public static Task<LifecycleStatus> WaitForStartupReconcileAsync(LiveUpdateClient client) =>
        WaitForAsync(client, s => s.LastReconcile is not null && s.State != LifecycleState.Reconciling, "the start-up reconcile");

    /// <summary>Writes a new boot id where the daemon reads it: its next start sees a kexec (or a reboot).</summary>
    public static Guid NewBoot(DaemonProcess daemon)
    {
        var boot = Guid.NewGuid();
        File.WriteAllText(daemon.BootIdPath, boot.ToString("D") + "\n");
        return boot;
    }

    /// <summary>Asserts that <paramref name="call"/> fails with FAILED_PRECONDITION; returns the exception.</summary>
    public static async Task<LiveUpdateException> AssertFailedPreconditionAsync(Func<Task> call, string what)
    {
        LiveUpdateException? refused = null;
        try
        {
            await call();
        }
        catch (LiveUpdateException ex)
        {
            refused = ex;
        }

        Assert.True(refused is not null, $"{what}: succeeded, but FAILED_PRECONDITION was expected");
        Assert.True(refused.Error == LiveUpdateError.FailedPrecondition, $"{what}: expected FailedPrecondition, got {refused.Error}: {refused.Message}");
        return refused;
    }

    /// <summary>Asserts that Check finds the region clean.</summary>
    public static async Task AssertCheckCleanAsync(LiveUpdateClient client, string when)
    {
        var check = await client.CheckAsync();
        Assert.True(check.Clean && check.Problems.Count == 0, $"{when}: Check found problems: {check}");
    }
}
