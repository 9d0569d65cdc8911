using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Region.Dma;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The liveupdate.v1.Dma service (docs/design.md §8). Each call: validate the request's fields (INVALID_ARGUMENT; the engine checks
/// alignment and address width again before it changes anything), find the region (UNAVAILABLE while not attached or
/// reconciling), look the domain up (NOT_FOUND), check the caller may act on it (PERMISSION_DENIED: the domain's owner,
/// and for Map the file's owner too, or an administrator; see <see cref="CallerAuthorization"/>), ask the lifecycle gate
/// (FAILED_PRECONDITION while FREEZING, FROZEN or awaiting a reconcile), then act. Mutations run under
/// <see cref="RegionHost.Mutations"/>, like every Files mutation, and the engine changes nothing when it refuses, so a
/// rejected request changes nothing. Reads (Translate, ListDomains, ListMappings) are open to every caller.
/// </summary>
internal sealed class DmaService(RegionHost regionHost, LifecycleGate gate, ILogger<DmaService> logger) : Proto.Dma.DmaBase
{
    /// <inheritdoc/>
    public override Task<Proto.DmaDomain> CreateDomain(Proto.CreateDomainRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var width = RequestValidation.AddressWidth(request.AddressWidth);
        var vmUuid = RequestValidation.VmUuid(request.VmUuid);
        var owner = OwnerOf(caller, RequestValidation.OwnerUid(request.HasOwnerUid, request.OwnerUid), id);
        var region = Attached();
        DmaDomainInfo domain;
        lock (regionHost.Mutations)
        {
            gate.DemandMutable(caller, "create", NameOf(id));
            domain = region.Dma.CreateDomain(id, width, new DmaDomainOptions(owner, vmUuid));
        }

        DmaLog.DomainCreated(logger, id, domain.AddressWidth, domain.Levels, caller.Uid, caller.Pid, owner, ProtoMapping.UuidText(vmUuid) is { Length: > 0 } vm ? vm : "none", domain.TopTablePhysical);
        return Task.FromResult(ProtoMapping.ToProto(domain));
    }

    /// <inheritdoc/>
    public override Task<Proto.AttachDeviceResponse> AttachDevice(Proto.AttachDeviceRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var device = RequestValidation.Pci(request.PciAddress);
        var region = Attached();
        if (!caller.IsAdmin)
        {
            // A device attached to a domain reaches, by DMA, every page mapped there: docs/design.md §13 keeps this to admins.
            throw Denied(caller, $"attach {device} to {NameOf(id)}",
                $"uid {caller.Uid} may not attach {device} to {NameOf(id)}: only root, the daemon's uid and the admin group (--admin-group) attach PCI devices");
        }

        DmaDomainInfo domain;
        VtdDeviceEntries entries;
        lock (regionHost.Mutations)
        {
            var action = $"attach {device} to";
            DemandDomainOwner(caller, region.Dma.GetDomain(id), action);
            gate.DemandMutable(caller, action, NameOf(id));
            domain = region.Dma.AttachDevice(id, device);
            entries = region.Dma.ReadDeviceEntries(device);
        }

        DmaLog.DeviceAttached(logger, device, id, caller.Uid, caller.Pid, entries.Root.Low, entries.Context.High, entries.Context.Low);
        return Task.FromResult(new Proto.AttachDeviceResponse
        {
            Domain = ProtoMapping.ToProto(domain),
            PciAddress = device.ToString(),
            RootTablePhysicalAddress = entries.RootTablePhysical,
            RootEntryLow = entries.Root.Low,
            RootEntryHigh = entries.Root.High,
            ContextTablePhysicalAddress = entries.ContextTablePhysical,
            ContextEntryLow = entries.Context.Low,
            ContextEntryHigh = entries.Context.High,
        });
    }

    /// <inheritdoc/>
    public override Task<Proto.DetachDeviceResponse> DetachDevice(Proto.DetachDeviceRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var device = RequestValidation.Pci(request.PciAddress);
        var region = Attached();
        DmaDomainInfo domain;
        lock (regionHost.Mutations)
        {
            var owner = region.Dma.ListDomains().FirstOrDefault(d => d.Devices.Contains(device))
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"{device} is not attached to any domain"));
            var action = $"detach {device} from";
            DemandDomainOwner(caller, owner, action);
            gate.DemandMutable(caller, action, NameOf(owner.Id));
            domain = region.Dma.DetachDevice(device);
        }

        DmaLog.DeviceDetached(logger, device, domain.Id, caller.Uid, caller.Pid);
        return Task.FromResult(new Proto.DetachDeviceResponse { Domain = ProtoMapping.ToProto(domain), PciAddress = device.ToString() });
    }

    /// <inheritdoc/>
    public override Task<Proto.DmaMapping> Map(Proto.MapRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var path = RequestValidation.Path(request.Path, "path");
        var fileOffset = RequestValidation.Size(request.FileOffset, "file_offset");
        var length = RequestValidation.Size(request.Length, "length");
        var region = Attached();
        DmaMappingInfo mapping;
        lock (regionHost.Mutations)
        {
            DemandDomainOwner(caller, region.Dma.GetDomain(id), "map into");
            var file = region.Stat(path);
            if (!CallerAuthorization.MayManage(caller, file.OwnerUid))
            {
                throw Denied(caller, $"map '{file.Path}' into {NameOf(id)}",
                    $"uid {caller.Uid} may not DMA-map '{file.Path}': it belongs to uid {file.OwnerUid} (only its owner, root and the admin group may)");
            }

            gate.DemandMutable(caller, $"map '{file.Path}' into", NameOf(id));
            mapping = region.Dma.Map(id, request.Iova, path, fileOffset, length, request.Readable, request.Writable);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var permissions = Permissions(mapping);
            var leaves = string.Join(", ", new[] { (mapping.Pages1G, "1 GiB"), (mapping.Pages2M, "2 MiB"), (mapping.Pages4K, "4 KiB") }
                .Where(l => l.Item1 > 0).Select(l => $"{l.Item1} leaves of {l.Item2}"));
            DmaLog.Mapped(logger, mapping.Iova, mapping.Length, id, mapping.Path, mapping.FileOffset, permissions, caller.Uid, caller.Pid, leaves);
        }

        return Task.FromResult(ProtoMapping.ToProto(mapping));
    }

    /// <inheritdoc/>
    public override Task<Proto.UnmapResponse> Unmap(Proto.UnmapRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var length = RequestValidation.Size(request.Length, "length");
        var region = Attached();
        IReadOnlyList<DmaMappingInfo> unmapped;
        lock (regionHost.Mutations)
        {
            DemandDomainOwner(caller, region.Dma.GetDomain(id), "unmap from");
            gate.DemandMutable(caller, "unmap from", NameOf(id));
            unmapped = region.Dma.Unmap(id, request.Iova, length);
        }

        var response = new Proto.UnmapResponse();
        response.Unmapped.AddRange(unmapped.OrderBy(m => m.Iova).Select(ProtoMapping.ToProto));
        if (logger.IsEnabled(LogLevel.Information))
        {
            var files = string.Join(", ", unmapped.Select(m => m.Path).Distinct(StringComparer.Ordinal));
            DmaLog.Unmapped(logger, request.Iova, length, id, caller.Uid, caller.Pid, unmapped.Count, files);
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<Proto.DestroyDomainResponse> DestroyDomain(Proto.DestroyDomainRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var region = Attached();
        DmaDomainInfo domain;
        lock (regionHost.Mutations)
        {
            domain = region.Dma.GetDomain(id);
            DemandDomainOwner(caller, domain, "destroy");
            gate.DemandMutable(caller, "destroy", NameOf(id));
            region.Dma.DestroyDomain(id);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var devices = domain.Devices.Count == 0 ? "none" : string.Join(", ", domain.Devices);
            DmaLog.DomainDestroyed(logger, id, caller.Uid, caller.Pid, domain.MappingCount, domain.MappedBytes, devices);
        }
        return Task.FromResult(new Proto.DestroyDomainResponse { Domain = ProtoMapping.ToProto(domain) });
    }

    /// <inheritdoc/>
    public override Task<Proto.TranslateResponse> Translate(Proto.TranslateRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var translation = request.TargetCase switch
        {
            Proto.TranslateRequest.TargetOneofCase.DomainId => Attached().Dma.Translate(RequestValidation.DomainId(request.DomainId), request.Iova),
            Proto.TranslateRequest.TargetOneofCase.PciAddress => Attached().Dma.Translate(RequestValidation.Pci(request.PciAddress), request.Iova),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "domain_id or pci_address is required: where the walk starts")),
        };
        return Task.FromResult(ProtoMapping.ToProto(translation));
    }

    /// <inheritdoc/>
    public override Task<Proto.ListDomainsResponse> ListDomains(Proto.ListDomainsRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var region = Attached();
        var domains = region.Dma.ListDomains();

        // From the same snapshot as the domains when there are any (each carries it), so the two always agree.
        var response = new Proto.ListDomainsResponse { RootTablePhysicalAddress = domains.Count > 0 ? domains[0].RootTablePhysical : region.Dma.RootTablePhysical };
        response.Domains.AddRange(domains.Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<Proto.ListMappingsResponse> ListMappings(Proto.ListMappingsRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var id = RequestValidation.DomainId(request.DomainId);
        var response = new Proto.ListMappingsResponse();
        response.Mappings.AddRange(Attached().Dma.ListMappings(id).Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }

    /// <summary>How error texts and the log name a domain.</summary>
    private static string NameOf(ushort id) => $"IOMMU domain {id}";

    private static string Permissions(DmaMappingInfo mapping) => (mapping.Readable, mapping.Writable) switch
    {
        (true, true) => "read-write",
        (true, false) => "read-only",
        _ => "write-only",
    };

    private PersistentRegion Attached()
    {
        var region = regionHost.RequireAttached();
        gate.DemandNotReconciling();
        return region;
    }

    private uint OwnerOf(Caller caller, uint? requested, ushort id)
    {
        if (CallerAuthorization.OwnerForNewFile(caller, requested) is { } owner)
        {
            return owner;
        }

        throw Denied(caller, $"create {NameOf(id)}",
            $"only root and the admin group may create IOMMU domains owned by another uid (asked for uid {requested})");
    }

    private void DemandDomainOwner(Caller caller, DmaDomainInfo domain, string action)
    {
        if (!CallerAuthorization.MayManage(caller, domain.OwnerUid))
        {
            throw Denied(caller, $"{action} {NameOf(domain.Id)}",
                $"uid {caller.Uid} may not {action} {NameOf(domain.Id)}: it belongs to uid {domain.OwnerUid} (only its owner, root and the admin group may)");
        }
    }

    private RpcException Denied(Caller caller, string action, string reason)
    {
        DmaLog.Denied(logger, action, caller.Uid, caller.Pid, reason);
        return new RpcException(new Status(StatusCode.PermissionDenied, reason));
    }
}
