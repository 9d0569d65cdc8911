using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Inventory;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>The VM inventory reconcile compares against: libvirt at <c>--libvirt-uri</c>, or none (files judged alone).</summary>
internal sealed class VmInventorySource(IOptions<DaemonOptions> options, TimeProvider time) : IDisposable
{
    private readonly Lazy<IVmInventory?> _inventory = new(() =>
        options.Value.LibvirtUri is { Length: > 0 } uri ? new LibvirtInventory(uri, time) : null);

    /// <summary>The inventory, or null when none is configured.</summary>
    public IVmInventory? Inventory => _inventory.Value;

    /// <summary>How long the start-up reconcile waits for the inventory to answer (<c>--libvirt-wait</c>).</summary>
    public TimeSpan StartupWait => TimeSpan.FromSeconds(options.Value.LibvirtWaitSeconds);

    /// <summary>"libvirt URI" or "none".</summary>
    public string Description => options.Value.LibvirtUri is { Length: > 0 } uri ? $"libvirt {uri}" : "none";

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_inventory.IsValueCreated)
        {
            _inventory.Value?.Dispose();
        }
    }
}
