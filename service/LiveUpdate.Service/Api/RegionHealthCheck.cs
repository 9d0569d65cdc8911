using LiveUpdate.Service.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveUpdate.Service.Api;

/// <summary>grpc.health.v1.Health: SERVING while the region is attached (evaluated on each Check call).</summary>
internal sealed class RegionHealthCheck(RegionHost regionHost) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(regionHost.Region is not null
            ? HealthCheckResult.Healthy($"region {regionHost.RegionPath} attached")
            : HealthCheckResult.Unhealthy("the region is not attached"));
}
