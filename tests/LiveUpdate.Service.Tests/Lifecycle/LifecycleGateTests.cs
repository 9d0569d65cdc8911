using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Security;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Tests.Lifecycle;

/// <summary>
/// The lifecycle state has one source of truth, the superblock: the gate loads it and changes it only through
/// <c>TransitionTo</c>, which writes the superblock first. On a real region file.
/// </summary>
public sealed class LifecycleGateTests : IDisposable
{
    private static readonly Caller s_someone = new(new PeerCredentials(Pid: 1, Uid: 1000, Gid: 1000), IsAdmin: false);

    private readonly string _directory = Path.Combine("/dev/shm", "lu-gate-test-" + Guid.NewGuid().ToString("N"));
    private readonly PersistentRegion _region;
    private readonly LifecycleGate _gate;

    public LifecycleGateTests()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "region");
        using (var device = RegionDevice.Open(path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = 64L << 20 }))
        {
            PersistentRegion.Format(device).Dispose();
        }

        _region = PersistentRegion.Attach(path, new RegionDeviceOptions { CreateIfMissing = false });
        var regionHost = new RegionHost(Options.Create(new DaemonOptions()), TimeProvider.System, NullLogger<RegionHost>.Instance);
        _gate = new LifecycleGate(new VmmRegistry(TimeProvider.System), regionHost);
    }

    [Fact]
    public void Load_TakesTheSuperblocksState()
    {
        _region.TransitionTo(LifecycleState.Freezing);
        _region.TransitionTo(LifecycleState.Frozen);

        _gate.Load(_region);

        Assert.Equal(LifecycleState.Frozen, _gate.State);
    }

    [Fact]
    public void TransitionTo_MovesTheSuperblockAndTheGateTogether()
    {
        _gate.Load(_region);
        _gate.DemandMutable(s_someone, "create", "/vm/ram");

        Assert.Equal(LifecycleState.Freezing, _gate.TransitionTo(_region, LifecycleState.Freezing));

        Assert.Equal(LifecycleState.Freezing, _region.Info.State);
        Assert.Equal(LifecycleState.Freezing, _gate.State);
        var refused = Assert.Throws<DaemonException>(() => _gate.DemandMutable(s_someone, "create", "/vm/ram"));
        Assert.Equal(DaemonError.WrongState, refused.Error);
        Assert.Contains("freezing", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TransitionTo_AnIllegalMove_ChangesNeither()
    {
        _gate.Load(_region);

        Assert.Throws<RegionException>(() => _gate.TransitionTo(_region, LifecycleState.Frozen));

        Assert.Equal(LifecycleState.Active, _region.Info.State);
        Assert.Equal(LifecycleState.Active, _gate.State);
    }

    public void Dispose()
    {
        _region.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
