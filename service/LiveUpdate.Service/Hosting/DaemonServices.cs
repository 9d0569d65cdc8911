using LiveUpdate.Service.Api;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Security;
using LiveUpdate.Service.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>Registers the daemon's parts.</summary>
internal static class DaemonServices
{
    /// <summary>
    /// Adds the options, the region host, the socket directory, the descriptor socket, systemd integration, metrics and
    /// the gRPC services. Hosted services run in this order: region (attach in StartingAsync), lifecycle (gate state in StartingAsync, the reconcile after a boot in StartedAsync), socket directory (prepare in
    /// StartingAsync, secure the gRPC socket in StartedAsync), descriptor socket (StartAsync), systemd (READY=1 in
    /// StartedAsync), then the start-up heap trim (in the background, once the daemon has settled); at stop the sockets
    /// close first and StoppedAsync detaches and removes the socket files.
    /// </summary>
    public static IServiceCollection AddLiveUpdateDaemon(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DaemonOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<DaemonOptions>, DaemonOptionsBinder>();
        services.AddSingleton<IValidateOptions<DaemonOptions>, DaemonOptionsValidator>();

        services.AddSingleton<RegionHost>();
        services.AddSingleton<SocketDirectory>();
        services.AddSingleton<CallerAuthorization>();
        services.AddSingleton<HandoutTokens>();
        services.AddSingleton<FdHandoutSocket>();
        services.AddSingleton<OpenGrants>();
        services.AddSingleton<VmmRegistry>();
        services.AddSingleton<LifecycleGate>();
        services.AddSingleton<FreezeCoordinator>();
        services.AddSingleton<VmInventorySource>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<LifecycleHost>();
        services.AddSingleton<SystemdNotifier>();
        services.AddSingleton<SystemdIntegration>();
        services.AddSingleton<DaemonMetrics>();
        services.AddSingleton<DaemonGauges>();
        services.AddHostedService(provider => provider.GetRequiredService<RegionHost>());
        services.AddHostedService(provider => provider.GetRequiredService<LifecycleHost>());
        services.AddHostedService(provider => provider.GetRequiredService<SocketDirectory>());
        services.AddHostedService(provider => provider.GetRequiredService<FdHandoutSocket>());
        services.AddHostedService(provider => provider.GetRequiredService<SystemdIntegration>());
        services.AddHostedService<StartupHeapTrim>();

        services.AddSingleton<MetricsInterceptor>();
        services.AddSingleton<ErrorMappingInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            // The first interceptor is the outermost: metrics see the status the mapping produced.
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ErrorMappingInterceptor>();
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
