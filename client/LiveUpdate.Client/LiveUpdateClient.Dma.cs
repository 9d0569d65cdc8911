using LiveUpdate.Protocol.V1;
using CultureInfo = System.Globalization.CultureInfo;

namespace LiveUpdate.Client;

/// <summary>
/// The <c>liveupdate.v1.Dma</c> service: persistent IOMMU domains, their devices and mappings, and the replay record a
/// VMM reads after the kexec (<see cref="ListMappingsAsync"/>) to map the same IOVAs again through iommufd/VFIO.
/// </summary>
/// <remarks>
/// Retried like every call (see <see cref="LiveUpdateClient"/>): after an ambiguous failure a retried
/// <see cref="CreateDomainAsync"/>, <see cref="AttachDeviceAsync"/> or <see cref="MapDmaAsync"/> may report
/// <see cref="LiveUpdateError.AlreadyExists"/>, and a retried <see cref="UnmapDmaAsync"/>, <see cref="DetachDeviceAsync"/>
/// or <see cref="DestroyDomainAsync"/> <see cref="LiveUpdateError.NotFound"/>, for the first attempt's own work: check
/// with <see cref="ListDomainsAsync"/> or <see cref="ListMappingsAsync"/> when that matters.
/// </remarks>
public sealed partial class LiveUpdateClient
{
    /// <summary>The generated client of the Dma service, on this client's channel. Calls made through it are not retried.</summary>
    public Dma.DmaClient DmaClient => field ??= new Dma.DmaClient(_channel);

    /// <summary>
    /// Creates IOMMU domain <paramref name="domainId"/> (1–65535) for a 39-, 48- or 57-bit <paramref name="addressWidth"/>,
    /// for the devices of <paramref name="vmUuid"/>. <paramref name="ownerUid"/> defaults to the caller (only root and the
    /// admin group may name another).
    /// </summary>
    public Task<DmaDomain> CreateDomainAsync(
        uint domainId, uint addressWidth = 48, Guid? vmUuid = null, uint? ownerUid = null, CancellationToken cancellationToken = default)
    {
        var request = new CreateDomainRequest
        {
            DomainId = domainId,
            AddressWidth = addressWidth,
            VmUuid = vmUuid is { } uuid ? uuid.ToString("D", CultureInfo.InvariantCulture) : string.Empty,
        };
        if (ownerUid is { } owner)
        {
            request.OwnerUid = owner;
        }

        return InvokeAsync(
            $"CreateDomain of domain {domainId}",
            (client: this, request),
            static (s, ct) => s.client.DmaClient.CreateDomainAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>
    /// Attaches PCI function <paramref name="pciAddress"/> (<c>0000:01:00.0</c>) to a domain; the answer carries its root
    /// and context entries as the tables hold them.
    /// </summary>
    public Task<AttachDeviceResponse> AttachDeviceAsync(uint domainId, string pciAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pciAddress);
        return InvokeAsync(
            $"AttachDevice of {pciAddress} to domain {domainId}",
            (client: this, request: new AttachDeviceRequest { DomainId = domainId, PciAddress = pciAddress }),
            static (s, ct) => s.client.DmaClient.AttachDeviceAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Detaches <paramref name="pciAddress"/> from whichever domain it is attached to.</summary>
    public Task<DetachDeviceResponse> DetachDeviceAsync(string pciAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pciAddress);
        return InvokeAsync(
            $"DetachDevice of {pciAddress}",
            (client: this, request: new DetachDeviceRequest { PciAddress = pciAddress }),
            static (s, ct) => s.client.DmaClient.DetachDeviceAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>
    /// DMA-maps <paramref name="length"/> bytes of guest-memory file <paramref name="path"/> from
    /// <paramref name="fileOffset"/> at <paramref name="iova"/> (all 4 KiB aligned) in a domain; the file's extents stay
    /// pinned until unmapped. Not to be confused with <see cref="MapAsync"/>, which maps a file into this process.
    /// </summary>
    public Task<DmaMapping> MapDmaAsync(
        uint domainId,
        ulong iova,
        string path,
        ulong fileOffset,
        ulong length,
        bool readable = true,
        bool writable = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var request = new MapRequest
        {
            DomainId = domainId,
            Iova = iova,
            Path = path,
            FileOffset = fileOffset,
            Length = length,
            Readable = readable,
            Writable = writable,
        };
        return InvokeAsync(
            $"Map of {path} at IOVA 0x{iova:x} in domain {domainId}",
            (client: this, request),
            static (s, ct) => s.client.DmaClient.MapAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Unmaps every mapping in [<paramref name="iova"/>, +<paramref name="length"/>), which must cover whole mappings; returns them.</summary>
    public Task<IReadOnlyList<DmaMapping>> UnmapDmaAsync(uint domainId, ulong iova, ulong length, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            $"Unmap of IOVA 0x{iova:x}+0x{length:x} in domain {domainId}",
            (client: this, request: new UnmapRequest { DomainId = domainId, Iova = iova, Length = length }),
            static async (s, ct) =>
            {
                UnmapResponse response = await s.client.DmaClient.UnmapAsync(s.request, s.client.CallOptions(ct)).ResponseAsync.ConfigureAwait(false);
                return (IReadOnlyList<DmaMapping>)response.Unmapped;
            },
            cancellationToken);

    /// <summary>Walks domain <paramref name="domainId"/>'s tables from its top level for <paramref name="iova"/>.</summary>
    public Task<TranslateResponse> TranslateAsync(uint domainId, ulong iova, CancellationToken cancellationToken = default) =>
        TranslateAsync(new TranslateRequest { DomainId = domainId, Iova = iova }, $"Translate of IOVA 0x{iova:x} in domain {domainId}", cancellationToken);

    /// <summary>Walks from the root table, as the IOMMU does for a request from <paramref name="pciAddress"/>, for <paramref name="iova"/>.</summary>
    public Task<TranslateResponse> TranslateAsync(string pciAddress, ulong iova, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pciAddress);
        return TranslateAsync(new TranslateRequest { PciAddress = pciAddress, Iova = iova }, $"Translate of IOVA 0x{iova:x} for {pciAddress}", cancellationToken);
    }

    /// <summary>Every domain, by id, and the physical address of the root table.</summary>
    public Task<ListDomainsResponse> ListDomainsAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(
            "ListDomains",
            this,
            static (c, ct) => c.DmaClient.ListDomainsAsync(new ListDomainsRequest(), c.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>A domain's mappings in IOVA order: what to replay through iommufd/VFIO after the kexec.</summary>
    public Task<IReadOnlyList<DmaMapping>> ListMappingsAsync(uint domainId, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            $"ListMappings of domain {domainId}",
            (client: this, request: new ListMappingsRequest { DomainId = domainId }),
            static async (s, ct) =>
            {
                ListMappingsResponse response = await s.client.DmaClient.ListMappingsAsync(s.request, s.client.CallOptions(ct)).ResponseAsync.ConfigureAwait(false);
                return (IReadOnlyList<DmaMapping>)response.Mappings;
            },
            cancellationToken);

    /// <summary>Destroys a domain with its tables and mappings (unpinning their files) and detaches its devices.</summary>
    public Task<DestroyDomainResponse> DestroyDomainAsync(uint domainId, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            $"DestroyDomain of domain {domainId}",
            (client: this, request: new DestroyDomainRequest { DomainId = domainId }),
            static (s, ct) => s.client.DmaClient.DestroyDomainAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    private Task<TranslateResponse> TranslateAsync(TranslateRequest request, string operation, CancellationToken cancellationToken) =>
        InvokeAsync(
            operation,
            (client: this, request),
            static (s, ct) => s.client.DmaClient.TranslateAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
}
