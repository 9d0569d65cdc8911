using Google.Protobuf.WellKnownTypes;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Dma;
using LiveUpdate.Service.Lifecycle;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>Engine records to protocol messages (and the kind and state enums, whose numbers differ).</summary>
internal static class ProtoMapping
{
    /// <summary>The protocol's kind for an engine kind.</summary>
    public static Proto.FileKind ToProto(FileKind kind) => kind switch
    {
        FileKind.GuestMemory => Proto.FileKind.GuestMemory,
        FileKind.DeviceState => Proto.FileKind.DeviceState,
        FileKind.Blob => Proto.FileKind.Blob,
        FileKind.IommuPageTable => Proto.FileKind.IommuPgtable,
        FileKind.Directory => Proto.FileKind.Directory,
        _ => Proto.FileKind.Unspecified,
    };

    /// <summary>The protocol's lifecycle state for the engine's.</summary>
    public static Proto.LifecycleState ToProto(LifecycleState state) => state switch
    {
        LifecycleState.Active => Proto.LifecycleState.Active,
        LifecycleState.Freezing => Proto.LifecycleState.Freezing,
        LifecycleState.Frozen => Proto.LifecycleState.Frozen,
        LifecycleState.Reconciling => Proto.LifecycleState.Reconciling,
        _ => Proto.LifecycleState.Unspecified,
    };

    /// <summary>Canonical UUID text (lower case), or empty for none.</summary>
    public static string UuidText(Guid uuid) => CanonicalUuid.Format(uuid);

    /// <summary>A file's description.</summary>
    public static Proto.FileInfo ToProto(RegionFileInfo file)
    {
        var info = new Proto.FileInfo
        {
            Path = file.Path,
            Inode = (ulong)file.Inode,
            Kind = ToProto(file.Kind),
            SizeBytes = (ulong)file.Size,
            VmUuid = UuidText(file.VmUuid),
            InstanceId = UuidText(file.InstanceId),
            OwnerUid = file.OwnerUid,
            Mode = file.Mode,
            CreatedAt = Timestamp.FromDateTimeOffset(file.CreatedAt),
            ModifiedAt = Timestamp.FromDateTimeOffset(file.ModifiedAt),
            Generation = (ulong)file.Generation,
            DmaMappedBytes = (ulong)file.DmaMappedBytes,
            AllocatedBytes = (ulong)file.AllocatedBytes,
            DevicePath = file.Namespace?.DevicePath ?? string.Empty,
        };
        AddExtents(info.Extents, file.Extents);
        return info;
    }

    /// <summary>Adds <paramref name="extents"/> to a repeated field.</summary>
    public static void AddExtents(Google.Protobuf.Collections.RepeatedField<Proto.Extent> target, IReadOnlyList<Extent> extents)
    {
        foreach (var extent in extents)
        {
            target.Add(new Proto.Extent
            {
                FileOffset = (ulong)extent.FileOffset,
                RegionOffset = (ulong)extent.RegionOffset,
                Length = (ulong)extent.Length,
            });
        }
    }

    /// <summary>The region's facts.</summary>
    public static Proto.RegionInfo ToProto(RegionInfo info, RegionStatistics stats) => new()
    {
        Backend = info.Backend switch
        {
            RegionBackend.DevDax => Proto.Backend.Devdax,
            RegionBackend.Namespaces => Proto.Backend.Namespaces,
            _ => Proto.Backend.File,
        },
        Path = info.Path,
        SizeBytes = (ulong)info.Size,
        UsedBytes = (ulong)stats.UsedBytes,
        FreeBytes = (ulong)stats.FreeBytes,
        SmallGranuleBytes = (uint)info.SmallGranule,
        LargeGranuleBytes = (ulong)info.LargeGranule,
        PhysicalBase = info.PhysicalBase,
        PhysicalBaseSimulated = info.PhysicalBaseSimulated,
        FormatVersion = info.FormatVersion,
        State = ToProto(info.State),
        Generation = (ulong)info.Generation,
        BootId = UuidText(info.BootId),
        PreviousBootId = UuidText(info.PreviousBootId),
        FileCount = (ulong)stats.Files,
        DirectoryCount = (ulong)stats.Directories,
        RegionUuid = UuidText(info.RegionUuid),
        LargestFreeExtentBytes = (ulong)stats.LargestFreeExtent,
        MetadataBytes = (ulong)stats.MetadataBytes,
    };

    /// <summary>An IOMMU domain.</summary>
    public static Proto.DmaDomain ToProto(DmaDomainInfo domain)
    {
        var proto = new Proto.DmaDomain
        {
            Id = domain.Id,
            AddressWidth = (uint)domain.AddressWidth,
            Levels = (uint)domain.Levels,
            MappedBytes = (ulong)domain.MappedBytes,
            MappingCount = (ulong)domain.MappingCount,
            TablePages = (ulong)domain.TablePages,
            TopTablePhysical = domain.TopTablePhysical,
            OwnerUid = domain.OwnerUid,
            VmUuid = UuidText(domain.VmUuid),
            Path = domain.Path,
            CreatedAt = Timestamp.FromDateTimeOffset(domain.CreatedAt),
        };
        proto.Devices.AddRange(domain.Devices.Select(d => d.ToString()));
        return proto;
    }

    /// <summary>One DMA mapping.</summary>
    public static Proto.DmaMapping ToProto(DmaMappingInfo mapping) => new()
    {
        DomainId = mapping.DomainId,
        Iova = mapping.Iova,
        Length = (ulong)mapping.Length,
        Path = mapping.Path,
        FileOffset = (ulong)mapping.FileOffset,
        Readable = mapping.Readable,
        Writable = mapping.Writable,
        Pages4K = (ulong)mapping.Pages4K,
        Pages2M = (ulong)mapping.Pages2M,
        Pages1G = (ulong)mapping.Pages1G,
    };

    /// <summary>The result of a table walk.</summary>
    public static Proto.TranslateResponse ToProto(DmaTranslation translation) => new()
    {
        DomainId = translation.DomainId,
        Iova = translation.Iova,
        PhysicalAddress = translation.PhysicalAddress,
        RegionOffset = (ulong)translation.RegionOffset,
        PageSize = (ulong)translation.PageSize,
        Readable = translation.Readable,
        Writable = translation.Writable,
        EntriesRead = (uint)translation.EntriesRead,
        Path = translation.Path ?? string.Empty,
        FileOffset = (ulong)translation.FileOffset,
    };

    /// <summary>The protocol's reconcile cause for the engine's.</summary>
    public static Proto.ReconcileCause ToProto(ReconcileCause cause) => cause switch
    {
        ReconcileCause.PlannedUpdate => Proto.ReconcileCause.PlannedUpdate,
        ReconcileCause.UnplannedReboot => Proto.ReconcileCause.UnplannedReboot,
        ReconcileCause.Operator => Proto.ReconcileCause.Operator,
        _ => Proto.ReconcileCause.None,
    };

    /// <summary>A check report as Lifecycle.Check returns it.</summary>
    public static Proto.CheckReport ToProto(LiveUpdate.Region.Checking.CheckReport report, TimeSpan duration)
    {
        var proto = new Proto.CheckReport
        {
            Clean = report.Clean,
            Inodes = (ulong)report.Inodes,
            UsedBytes = (ulong)report.UsedBytes,
            FreeBytes = (ulong)report.FreeBytes,
            TotalBytes = (ulong)report.TotalBytes,
            RepairRequested = report.RepairRequested,
            Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(duration),
        };
        proto.Notes.AddRange(report.Notes);
        foreach (var problem in report.Problems)
        {
            proto.Problems.Add(new Proto.CheckProblem
            {
                Structure = problem.Structure,
                Offset = (ulong)problem.Offset,
                Message = problem.Message,
                Repaired = problem.Repaired,
                RepairNote = problem.RepairNote ?? string.Empty,
            });
        }

        return proto;
    }
}
