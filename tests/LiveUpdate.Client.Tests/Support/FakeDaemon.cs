using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveUpdate.Client.Tests.Support;

/// <summary>
/// An in-process gRPC server on a Unix socket serving a <see cref="FakeFilesService"/>, as the daemon does: Kestrel,
/// HTTP/2 only. Stop and start it again to play a daemon restart.
/// </summary>
internal sealed class FakeDaemon : IAsyncDisposable
{
    private readonly FakeFilesService _service;
    private WebApplication? _app;

    public FakeDaemon(FakeFilesService service, string socketDirectory)
    {
        _service = service;
        SocketDirectory = socketDirectory;
        Directory.CreateDirectory(socketDirectory);
    }

    public string SocketDirectory { get; }

    public string SocketPath => Path.Combine(SocketDirectory, LiveUpdateClientOptions.DefaultGrpcSocketName);

    public async Task StartAsync()
    {
        File.Delete(SocketPath);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.ListenUnixSocket(SocketPath, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_service);
        WebApplication app = builder.Build();
        app.MapGrpcService<FakeFilesService>();
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
