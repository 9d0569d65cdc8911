using Grpc.Core;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace LiveUpdate.Client.Tests.Internal;

/// <summary>The Polly pipeline: Unavailable is retried with growing, jittered delays on the injected clock; nothing else is.</summary>
public sealed class RetryingInvokerTests
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 30_000)]
    public async Task Invoke_UnavailableTwiceThenSuccess_RetriesWithIncreasingDelays()
    {
        var clock = new FakeTimeProvider();
        var retries = new List<RetryAttempt>();
        var options = Options(clock, retries);
        var invoker = new RetryingInvoker(options);
        int calls = 0;

        Task<string> call = invoker.InvokeAsync<object?, string>("Stat of /vm/a", null, (_, _) =>
        {
            calls++;
            return calls <= 2 ? throw Unavailable() : Task.FromResult("ok");
        }, CancellationToken.None);
        string result = await DriveClock(clock, call);

        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
        Assert.Equal(2, retries.Count);
        Assert.Equal([1, 2], retries.Select(r => r.AttemptNumber));
        Assert.All(retries, r => Assert.Equal("Stat of /vm/a", r.Operation));
        Assert.All(retries, r => Assert.Equal(LiveUpdateError.Unavailable, r.Failure.Error));
        // Equal jitter: retry k waits in [base·2^k / 2, base·2^k), so each wait is longer than the one before.
        Assert.InRange(retries[0].Delay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        Assert.InRange(retries[1].Delay, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.True(retries[1].Delay > retries[0].Delay);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_WaitsOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var invoker = new RetryingInvoker(Options(clock, []), random: () => 0.5);
        int calls = 0;

        Task<int> call = invoker.InvokeAsync<object?, int>("GetRegion", null, (_, _) =>
        {
            calls++;
            return calls == 1 ? throw Unavailable() : Task.FromResult(calls);
        }, CancellationToken.None);

        // The first attempt failed at once; the retry waits 75 ms (base 100 ms, jitter 0.5) of fake time.
        await WaitUntil(() => calls == 1);
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(74));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, await call.WaitAsync(s_testTimeout));
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_PermissionDenied_IsNotRetried()
    {
        var clock = new FakeTimeProvider();
        var retries = new List<RetryAttempt>();
        var invoker = new RetryingInvoker(Options(clock, retries));
        int calls = 0;

        Task<int> call = invoker.InvokeAsync<object?, int>("Open of /vm/a", null, (_, _) =>
        {
            calls++;
            throw new RpcException(new Status(StatusCode.PermissionDenied, "uid 1000 does not own /vm/a"));
        }, CancellationToken.None);

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => call.WaitAsync(s_testTimeout));
        Assert.Equal(1, calls);
        Assert.Empty(retries);
        Assert.Equal(LiveUpdateError.PermissionDenied, e.Error);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("uid 1000 does not own /vm/a", e.ServerMessage);
        Assert.Equal("Open of /vm/a failed: PERMISSION_DENIED: uid 1000 does not own /vm/a", e.Message);
        Assert.IsType<RpcException>(e.InnerException);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_HandoutFailed_IsNotRetried_ButHandoutUnavailableIs()
    {
        var clock = new FakeTimeProvider();
        var invoker = new RetryingInvoker(Options(clock, []));
        int calls = 0;

        Task<int> call = invoker.InvokeAsync<object?, int>("Open of /vm/a", null, (_, _) =>
        {
            calls++;
            return calls switch
            {
                1 => throw new LiveUpdateException(LiveUpdateError.Unavailable, "fd socket refused"),
                _ => throw new LiveUpdateException(LiveUpdateError.HandoutFailed, "expired") { HandoutStatus = HandoutStatus.Expired },
            };
        }, CancellationToken.None);

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => DriveClock(clock, call));
        Assert.Equal(2, calls);
        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_AlwaysUnavailable_StopsAfterMaxAttempts()
    {
        var clock = new FakeTimeProvider();
        var retries = new List<RetryAttempt>();
        var options = Options(clock, retries);
        options.MaxAttempts = 4;
        var invoker = new RetryingInvoker(options);
        int calls = 0;

        Task<int> call = invoker.InvokeAsync<object?, int>("Stat of /x", null, (_, _) =>
        {
            calls++;
            throw Unavailable();
        }, CancellationToken.None);

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => DriveClock(clock, call));
        Assert.Equal(4, calls);
        Assert.Equal(3, retries.Count);
        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("daemon socket /run/liveupdate/liveupdate.sock", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_BackoffCapsAtMaxDelay()
    {
        var clock = new FakeTimeProvider();
        var retries = new List<RetryAttempt>();
        var options = Options(clock, retries);
        options.MaxAttempts = 8;
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
        var invoker = new RetryingInvoker(options);

        Task<int> call = invoker.InvokeAsync<object?, int>("Stat of /x", null, (_, _) => throw Unavailable(), CancellationToken.None);

        await Assert.ThrowsAsync<LiveUpdateException>(() => DriveClock(clock, call));
        Assert.Equal(7, retries.Count);
        Assert.All(retries, r => Assert.True(r.Delay <= TimeSpan.FromMilliseconds(400)));
        Assert.All(retries.Skip(2), r => Assert.True(r.Delay >= TimeSpan.FromMilliseconds(200)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_OverallTimeout_GivesUpWithDeadlineExceededAndTheLastFailure()
    {
        var clock = new FakeTimeProvider();
        var options = Options(clock, []);
        options.MaxAttempts = 1000;
        options.RetryTimeout = TimeSpan.FromSeconds(1);
        var invoker = new RetryingInvoker(options);
        int calls = 0;

        Task<int> call = invoker.InvokeAsync<object?, int>("GetRegion", null, (_, _) =>
        {
            calls++;
            throw Unavailable();
        }, CancellationToken.None);

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => DriveClock(clock, call));
        Assert.Equal(LiveUpdateError.DeadlineExceeded, e.Error);
        Assert.Contains("did not complete within 1 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("UNAVAILABLE: reconciling", e.Message, StringComparison.Ordinal);
        Assert.InRange(calls, 2, 20);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_OneAttempt_DoesNotRetry()
    {
        var options = Options(new FakeTimeProvider(), []);
        options.MaxAttempts = 1;
        var invoker = new RetryingInvoker(options);
        int calls = 0;

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => invoker.InvokeAsync<object?, int>("GetRegion", null, (_, _) =>
        {
            calls++;
            throw Unavailable();
        }, CancellationToken.None).WaitAsync(s_testTimeout));

        Assert.Equal(1, calls);
        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_CallerCancels_SurfacesOperationCanceled()
    {
        var clock = new FakeTimeProvider();
        var invoker = new RetryingInvoker(Options(clock, []));
        using var cancellation = new CancellationTokenSource();

        Task<int> call = invoker.InvokeAsync<object?, int>("GetRegion", null, (_, _) => throw Unavailable(), cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_testTimeout));
    }

    private static LiveUpdateClientOptions Options(FakeTimeProvider clock, List<RetryAttempt> retries) => new()
    {
        SocketDirectory = "/run/liveupdate",
        TimeProvider = clock,
        MaxAttempts = 5,
        RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        RetryMaxDelay = TimeSpan.FromSeconds(2),
        RetryTimeout = TimeSpan.FromMinutes(5),
        OnRetry = r =>
        {
            lock (retries)
            {
                retries.Add(r);
            }
        },
    };

    private static RpcException Unavailable() => new(new Status(StatusCode.Unavailable, "reconciling"));

    /// <summary>Advances the fake clock in small steps until <paramref name="call"/> completes (the waits are the pipeline's).</summary>
    private static async Task<T> DriveClock<T>(FakeTimeProvider clock, Task<T> call)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + s_testTimeout;
        while (!call.IsCompleted && DateTimeOffset.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1);
        }

        return await call.WaitAsync(s_testTimeout);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + s_testTimeout;
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(5);
        }
    }
}
