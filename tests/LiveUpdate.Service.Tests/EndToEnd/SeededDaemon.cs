using Grpc.Core;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// A daemon (<see cref="RunningDaemon"/>) whose region holds a small known tree, for tests that send bad requests and
/// check that nothing changed:
/// <code>
/// /seed/           directory
/// /seed/blob       BLOB, 8 KiB, with a VM UUID
/// /seed/ram        GUEST_MEMORY, 4 MiB
/// /seed/sub/       directory
/// /seed/sub/state  DEVICE_STATE, 100 bytes
/// /empty/          directory
/// </code>
/// </summary>
public sealed class SeededDaemon : IAsyncLifetime
{
    private readonly RunningDaemon _daemon = new();

    public DaemonProcess Daemon => _daemon.Daemon;

    public Files.FilesClient Files => _daemon.Files;

    /// <summary>Calls with hand-made request bytes, for messages the generated code cannot produce.</summary>
    public CallInvoker RawInvoker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _daemon.InitializeAsync();
        RawInvoker = _daemon.Channel.CreateCallInvoker();
        await Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/seed" });
        await Files.CreateFileAsync(new CreateFileRequest { Path = "/seed/blob", SizeBytes = 8192, Kind = FileKind.Blob, VmUuid = Guid.NewGuid().ToString("D") });
        await Files.CreateFileAsync(new CreateFileRequest { Path = "/seed/ram", SizeBytes = 4 * Clients.MiB, Kind = FileKind.GuestMemory });
        await Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/seed/sub" });
        await Files.CreateFileAsync(new CreateFileRequest { Path = "/seed/sub/state", SizeBytes = 100, Kind = FileKind.DeviceState });
        await Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/empty" });
    }

    public Task DisposeAsync() => _daemon.DisposeAsync();
}
