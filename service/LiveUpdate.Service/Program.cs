using System.Net;
using LiveUpdate.Service.Api;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Hosting;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Prometheus;

// liveupdated: attaches the persistent region and serves liveupdate.v1 on {socket-dir}/liveupdate.sock (gRPC, HTTP/2)
// and descriptors on {socket-dir}/fd.sock. Exit codes: 0 stopped cleanly (SIGTERM, Ctrl+C), 1 start-up failed,
// 2 bad option. Start-up order: options → attach → reconcile → sockets listen → READY=1 (see Hosting/DaemonStartup).
// `liveupdated check --region PATH` is the offline check instead (Hosting/OfflineCheck): no host, no sockets.
if (args is ["check", ..])
{
    // The offline check: the engine alone, before (and instead of) anything the daemon sets up.
    return OfflineCheck.Run(args[1..], Console.Out, Console.Error);
}

CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"liveupdated: {ex.Message}");
    return DaemonStartupException.BadOption;
}

if (commandLine.Help)
{
    Console.Out.Write(DaemonOptionNames.Usage());
    Console.Out.Write(OfflineCheck.Synopsis);
    return 0;
}

// The empty builder: only what the daemon uses (start-up time matters). appsettings.json beside the binary, not watched.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseKestrelCore();
builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
builder.Configuration.AddInMemoryCollection(CommandLine.FromEnvironment());
builder.Configuration.AddInMemoryCollection(commandLine.Settings);
builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 })
{
    // stdout goes to the journal: "<6>category[event] message" lines, priority prefixes, no colours or timestamps.
    builder.Logging.AddSystemdConsole();
}
else
{
    builder.Logging.AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
    });
}

builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(15));
builder.Services.AddLiveUpdateDaemon();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    var settings = kestrel.ApplicationServices.GetRequiredService<IOptions<DaemonOptions>>().Value;
    kestrel.AddServerHeader = false;
    kestrel.ListenUnixSocket(settings.GrpcSocketPath, listen =>
    {
        // Plain-text HTTP/1.1+2 fails on a Unix socket (HTTP_1_1_REQUIRED): HTTP/2 only.
        listen.Protocols = HttpProtocols.Http2;
        listen.UsePeerCredentials();
    });
    if (settings.MetricsPort > 0)
    {
        kestrel.Listen(IPAddress.Loopback, settings.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
    }
});

// Options are bound and validated here (Kestrel's configuration reads them while the app is built).
WebApplication app;
DaemonOptions options;
try
{
    app = builder.Build();
    options = app.Services.GetRequiredService<IOptions<DaemonOptions>>().Value;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"liveupdated: {string.Join("; ", ex.Failures)}");
    return DaemonStartupException.BadOption;
}

await using var disposeApp = app;

if (app.Services.GetRequiredService<DaemonMetrics>().Registry is { } registry)
{
    // The loopback TCP listener serves /metrics and nothing else; the Unix socket serves everything but /metrics.
    app.Use((context, next) =>
    {
        var onMetricsListener = context.Connection.LocalIpAddress is not null && context.Connection.LocalPort == options.MetricsPort;
        if (onMetricsListener != (context.Request.Path == "/metrics"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    });
    app.MapMetrics("/metrics", registry);
}

app.MapGrpcService<FilesService>();
app.MapGrpcService<LifecycleService>();
app.MapGrpcService<DmaService>();
app.MapGrpcHealthChecksService();
app.MapGrpcReflectionService();

var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LiveUpdate.Service.Daemon");
try
{
    await app.StartAsync();
}
catch (DaemonStartupException ex)
{
    Console.Error.WriteLine($"liveupdated: {ex.Message}");
    return ex.ExitCode;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
{
    Console.Error.WriteLine($"liveupdated: start-up failed: {ex.Message}");
    return DaemonStartupException.StartupFailed;
}

if (options.MetricsPort > 0)
{
    DaemonLog.MetricsListening(logger, options.MetricsPort);
}

app.Lifetime.ApplicationStopping.Register(() => DaemonLog.Stopping(logger));
await app.WaitForShutdownAsync();
DaemonLog.Stopped(logger);
return 0;
