using LiveUpdate.Service.Api;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Security;
using LiveUpdate.Service.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>Registers the daemon's parts.</summary>
internal static class DaemonServices
{
    /// <summary>
    /// Adds the options, the domain components, systemd integration, metrics and the gRPC services. One hosted service,
    /// <see cref="DaemonStartup"/>, runs the start-up and the stop in their order; the start-up heap trim runs in the
    /// background once the daemon has settled.
    /// </summary>
    public static IServiceCollection AddLiveUpdateDaemon(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DaemonOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<DaemonOptions>, DaemonOptionsBinder>();
        services.AddSingleton<IValidateOptions<DaemonOptions>, DaemonOptionsValidator>();

        services.AddSingleton<RegionHost>();
        services.AddSingleton<DaemonSocketDirectory>();
        services.AddSingleton<CallerAuthorization>();
        services.AddSingleton<QuotaExemption>();
        services.AddSingleton<Quotas>();
        services.AddSingleton<ConnectionLimits>();
        services.AddSingleton<StreamLimits>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelLimits>();
        services.AddSingleton<HandoutTokens>();
        services.AddSingleton<DescriptorHolders>();
        services.AddSingleton<FdHandoutSocket>();
        services.AddSingleton<OpenGrants>();
        services.AddSingleton<VmmRegistry>();
        services.AddSingleton<LifecycleGate>();
        services.AddSingleton<FreezeSafety>();
        services.AddSingleton<FreezeCoordinator>();
        services.AddSingleton<VmInventorySource>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<LifecycleHost>();
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<SystemdIntegration>();
        services.AddSingleton<DaemonMetrics>();
        services.AddSingleton<DaemonGauges>();
        services.AddSingleton<DaemonStartup>();
        services.AddHostedService(provider => provider.GetRequiredService<DaemonStartup>());
        services.AddHostedService<StartupHeapTrim>();

        services.AddSingleton<MetricsInterceptor>();
        services.AddSingleton<ErrorMappingInterceptor>();
        services.AddSingleton<LimitsInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            // The first interceptor is the outermost: metrics see the status the mapping produced.
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ErrorMappingInterceptor>();
            grpc.Interceptors.Add<LimitsInterceptor>();
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(health =>
            {
                health.Services.Map("liveupdate.v1.Files", _ => true);
                health.Services.Map("liveupdate.v1.Lifecycle", _ => true);
                health.Services.Map("liveupdate.v1.Dma", _ => true);
            })
            .AddCheck<RegionHealthCheck>("region");
        return services;
    }
}
