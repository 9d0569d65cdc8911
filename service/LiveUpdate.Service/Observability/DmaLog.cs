using LiveUpdate.Region.Dma;

namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of the Dma API: every change to an IOMMU domain (an audit trail) and every refusal of one.</summary>
internal static partial class DmaLog
{
    [LoggerMessage(EventId = 500, EventName = "DomainCreated", Level = LogLevel.Information,
        Message = "created IOMMU domain {DomainId} ({AddressWidth}-bit, {Levels} levels) by uid {Uid} pid {Pid}: owner {Owner}, VM {VmUuid}, top table at 0x{TopTable:x}")]
    public static partial void DomainCreated(ILogger logger, ushort domainId, int addressWidth, int levels, uint uid, int pid, uint owner, string vmUuid, ulong topTable);

    [LoggerMessage(EventId = 501, EventName = "DomainDestroyed", Level = LogLevel.Information,
        Message = "destroyed IOMMU domain {DomainId} by uid {Uid} pid {Pid}: {Mappings} mappings ({MappedBytes} bytes) removed, devices detached: {Devices}")]
    public static partial void DomainDestroyed(ILogger logger, ushort domainId, uint uid, int pid, int mappings, long mappedBytes, string devices);

    [LoggerMessage(EventId = 502, EventName = "DeviceAttached", Level = LogLevel.Information,
        Message = "attached {Device} to IOMMU domain {DomainId} by uid {Uid} pid {Pid}: root entry 0x{RootEntry:x16}, context entry 0x{ContextHigh:x16}:{ContextLow:x16} (high:low)")]
    public static partial void DeviceAttached(ILogger logger, PciAddress device, ushort domainId, uint uid, int pid, ulong rootEntry, ulong contextHigh, ulong contextLow);

    [LoggerMessage(EventId = 503, EventName = "DeviceDetached", Level = LogLevel.Information,
        Message = "detached {Device} from IOMMU domain {DomainId} by uid {Uid} pid {Pid}")]
    public static partial void DeviceDetached(ILogger logger, PciAddress device, ushort domainId, uint uid, int pid);

    [LoggerMessage(EventId = 504, EventName = "Mapped", Level = LogLevel.Information,
        Message = "mapped IOVA 0x{Iova:x}+0x{Length:x} of IOMMU domain {DomainId} to {Path} offset 0x{FileOffset:x} ({Permissions}) by uid {Uid} pid {Pid}: {Leaves}")]
    public static partial void Mapped(ILogger logger, ulong iova, long length, ushort domainId, string path, long fileOffset, string permissions, uint uid, int pid, string leaves);

    [LoggerMessage(EventId = 505, EventName = "Unmapped", Level = LogLevel.Information,
        Message = "unmapped IOVA 0x{Iova:x}+0x{Length:x} of IOMMU domain {DomainId} by uid {Uid} pid {Pid}: {Mappings} mappings ({Files})")]
    public static partial void Unmapped(ILogger logger, ulong iova, long length, ushort domainId, uint uid, int pid, int mappings, string files);

    [LoggerMessage(EventId = 506, EventName = "Denied", Level = LogLevel.Warning, Message = "denied {Action} to uid {Uid} pid {Pid}: {Reason}")]
    public static partial void Denied(ILogger logger, string action, uint uid, int pid, string reason);
}
