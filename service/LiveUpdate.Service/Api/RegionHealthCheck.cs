using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Lifecycle;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveUpdate.Service.Api;

/// <summary>
/// grpc.health.v1.Health: SERVING while the region is attached and no reconcile runs (NOT_SERVING while the daemon
/// starts, reconciles after a boot, or stops); evaluated on each Check call.
/// </summary>
internal sealed class RegionHealthCheck(RegionHost regionHost, LifecycleGate gate) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            regionHost.Region is null ? HealthCheckResult.Unhealthy("the region is not attached")
            : gate.ReconcileRunning ? HealthCheckResult.Unhealthy("reconciling the region after a boot")
            : HealthCheckResult.Healthy($"region {regionHost.RegionPath} attached, {gate.State}"));
}
