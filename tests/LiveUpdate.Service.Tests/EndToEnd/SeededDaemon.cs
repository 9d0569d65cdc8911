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
/// /seed/dma-ram    GUEST_MEMORY, 4 MiB, DMA-mapped whole at IOVA 0x200000 (read-write) in IOMMU domain 13
/// </code>
/// and IOMMU domains 13 (48-bit, device 0000:0d:00.0 attached) and 14 (39-bit, no device), in /.iommu.
/// </summary>
public sealed class SeededDaemon : IAsyncLifetime
{
    private readonly RunningDaemon _daemon = new();

    public DaemonProcess Daemon => _daemon.Daemon;

    public const uint Domain = 13;
    public const uint NarrowDomain = 14;
    public const string Device = "0000:0d:00.0";
    public const ulong MappedIova = 0x20_0000;
    public const string MappedFile = "/seed/dma-ram";

    public Files.FilesClient Files => _daemon.Files;

    public LiveUpdate.Protocol.V1.Dma.DmaClient Dma { get; private set; } = null!;

    public Grpc.Net.Client.GrpcChannel Channel => _daemon.Channel;

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
        await Files.CreateFileAsync(new CreateFileRequest { Path = MappedFile, SizeBytes = 4 * Clients.MiB, Kind = FileKind.GuestMemory });
        Dma = new LiveUpdate.Protocol.V1.Dma.DmaClient(_daemon.Channel);
        await Dma.CreateDomainAsync(new CreateDomainRequest { DomainId = Domain, AddressWidth = 48 });
        await Dma.CreateDomainAsync(new CreateDomainRequest { DomainId = NarrowDomain, AddressWidth = 39 });
        await Dma.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Domain, PciAddress = Device });
        await Dma.MapAsync(new MapRequest
        {
            DomainId = Domain, Iova = MappedIova, Path = MappedFile, FileOffset = 0, Length = 4 * Clients.MiB, Readable = true, Writable = true,
        });
    }

    public Task DisposeAsync() => _daemon.DisposeAsync();
}
