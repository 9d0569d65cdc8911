using System.Runtime.CompilerServices;
using Grpc.Core;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LiveUpdate.Client.Internal;

/// <summary>
/// Runs every client call through one Polly pipeline: an overall timeout around a retry of
/// <see cref="LiveUpdateError.Unavailable"/> failures with exponential backoff and equal jitter. gRPC failures are
/// translated into <see cref="LiveUpdateException"/> here, once, so the retry predicate and the caller see the same error.
/// </summary>
/// <remarks>
/// Every call is retried on Unavailable, also non-idempotent ones. A daemon that is attaching or reconciling answers
/// UNAVAILABLE before doing anything, and a refused connection never reached it, so those retries are safe. A connection
/// that drops after the request was sent is ambiguous: a retried CreateFile, MakeDirectory or Rename may then answer
/// ALREADY_EXISTS (or NOT_FOUND for Rename's source) for the first attempt's own work. Callers that care check with Stat.
/// </remarks>
internal sealed class RetryingInvoker
{
    private static readonly ResiliencePropertyKey<LiveUpdateException> s_lastFailure = new("LiveUpdate.LastFailure");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan _retryTimeout;
    private readonly string _socketPath;
    private readonly bool _retries;

    /// <summary>Builds the pipeline from validated <paramref name="options"/>; <paramref name="random"/> draws the jitter (tests fix it).</summary>
    internal RetryingInvoker(LiveUpdateClientOptions options, Func<double>? random = null)
    {
        _retryTimeout = options.RetryTimeout;
        _socketPath = options.GrpcSocketPath;
        random ??= Random.Shared.NextDouble;
        TimeSpan baseDelay = options.RetryBaseDelay;
        TimeSpan maxDelay = options.RetryMaxDelay;
        Action<RetryAttempt>? onRetry = options.OnRetry;
        _retries = options.MaxAttempts > 1;

        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (_retryTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = _retryTimeout });
        }

        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = static args => ValueTask.FromResult(IsRetryable(args.Outcome.Exception)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(BackoffDelay.Compute(args.AttemptNumber, baseDelay, maxDelay, random())),
                OnRetry = args =>
                {
                    var failure = (LiveUpdateException)args.Outcome.Exception!;
                    args.Context.Properties.Set(s_lastFailure, failure);
                    onRetry?.Invoke(new RetryAttempt(args.Context.OperationKey ?? "call", args.AttemptNumber + 1, args.RetryDelay, failure));
                    return default;
                },
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>True for the failures worth another attempt: the daemon is unavailable (down, restarting, reconciling).</summary>
    internal static bool IsRetryable(Exception? exception) => exception is LiveUpdateException { Error: LiveUpdateError.Unavailable };

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, fails with a non-retryable error, the attempts run out, or
    /// the overall timeout passes. <paramref name="operation"/> ("Stat of /vm/a") names the call in errors.
    /// </summary>
    /// <remarks>
    /// The first attempt runs outside the pipeline (its per-call deadline bounds it): a pipeline execution costs tens of
    /// microseconds (a linked token source and a timer for the overall timeout), which nearly every call — one that
    /// succeeds at once — would pay for nothing. A retryable first failure enters the pipeline as its first outcome, so
    /// backoff, OnRetry numbering and the attempt count are the same as if the pipeline had run it; the overall timeout
    /// then counts from that failure.
    /// </remarks>
    internal async Task<TResult> InvokeAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> attempt, CancellationToken cancellationToken)
    {
        LiveUpdateException? firstFailure;
        try
        {
            return await attempt(state, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            firstFailure = RpcErrors.Translate(exception, operation, _socketPath);
            if (!IsRetryableHere(firstFailure))
            {
                throw firstFailure;
            }
        }
        catch (LiveUpdateException exception) when (IsRetryableHere(exception))
        {
            firstFailure = exception;
        }

        ResilienceContext context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (context, s) =>
                {
                    if (s.first.Value is { } first)
                    {
                        s.first.Value = null;
                        throw first;
                    }

                    try
                    {
                        return await s.attempt(s.state, context.CancellationToken).ConfigureAwait(false);
                    }
                    catch (RpcException exception)
                    {
                        throw RpcErrors.Translate(exception, s.operation, s.socketPath);
                    }
                },
                context,
                (attempt, state, operation, socketPath: _socketPath, first: new StrongBox<LiveUpdateException?>(firstFailure))).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException exception)
        {
            string last = context.Properties.TryGetValue(s_lastFailure, out LiveUpdateException? failure)
                ? $"; the last attempt failed: {failure.Message}"
                : string.Empty;
            throw new LiveUpdateException(
                LiveUpdateError.DeadlineExceeded, $"{operation} did not complete within {_retryTimeout.TotalSeconds:0.###} s{last}", exception)
            {
                StatusCode = failure?.StatusCode,
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>True when <paramref name="failure"/> is retryable and this invoker retries at all.</summary>
    private bool IsRetryableHere(LiveUpdateException failure) => _retries && IsRetryable(failure);
}
