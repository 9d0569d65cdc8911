namespace LiveUpdate.Client;

/// <summary>What <see cref="LiveUpdateClientOptions.OnRetry"/> is told before the client waits to retry a call.</summary>
/// <param name="Operation">The call, e.g. "Stat of /vm/a".</param>
/// <param name="AttemptNumber">The attempt that failed, counting from 1.</param>
/// <param name="Delay">How long the client waits before the next attempt.</param>
/// <param name="Failure">Why the attempt failed (an <see cref="LiveUpdateError.Unavailable"/> error).</param>
public readonly record struct RetryAttempt(string Operation, int AttemptNumber, TimeSpan Delay, LiveUpdateException Failure);
