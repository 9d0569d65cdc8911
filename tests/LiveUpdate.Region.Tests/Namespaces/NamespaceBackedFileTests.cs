using System.Runtime.Versioning;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Namespaces;
using LiveUpdate.Region.Tests.Engine;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Namespaces;

/// <summary>
/// The namespaces backend in the engine (docs/design.md §3) on a real region file standing as the metadata device:
/// guest memory is its own namespace, outside the device's free space; attach resolves and owns them again, removes
/// orphans, and check compares namespaces with files. The kernel's side (ndctl, sysfs, /dev/daxX.Y) runs in the kexec lab.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NamespaceBackedFileTests : IDisposable
{
    private const uint Owner = 4242;
    private readonly TempRegion _temp = new(64 * MiB);
    private readonly FileNamespaceDirectory _spaces;

    public NamespaceBackedFileTests()
    {
        _spaces = new FileNamespaceDirectory(new RegionDeviceOptions().SimulatedPhysicalBase, _temp.Size);
    }

    private RegionOptions Options(IFaultInjector? faults = null) => new() { Namespaces = _spaces, FaultInjector = faults };

    [Fact]
    public void GuestMemory_IsItsOwnZeroedNamespace_OwnedByTheFileOwner_OutsideFreeSpace()
    {
        using var region = _temp.Format(Options());
        var freeBefore = region.GetStatistics().FreeBytes;

        var file = region.CreateFile("/vm-a", 8 * MiB, FileKind.GuestMemory, new CreateFileOptions(OwnerUid: Owner));

        var space = Assert.IsType<NamespaceInfo>(file.Namespace);
        Assert.Equal(NamespaceNames.ForFile(file.InstanceId), space.Name);
        Assert.Equal(Owner, _spaces.OwnerOf(space.Name));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(space.DevicePath));
        var extent = Assert.Single(file.Extents);
        Assert.Equal((long)(space.PhysicalStart - region.Info.PhysicalBase), extent.RegionOffset);
        Assert.True(extent.RegionOffset >= region.Device.Size, "a namespace lies past the metadata device");
        Assert.Equal(8 * MiB, extent.Length);
        Assert.Equal(freeBefore, region.GetStatistics().FreeBytes);
        Assert.Equal(RegionBackend.Namespaces, region.Info.Backend);
        Assert.Equal(_spaces.RegionPath, region.Info.Path);
        Assert.False(File.ReadAllBytes(space.DevicePath).AsSpan().ContainsAnyExcept((byte)0), "a new namespace reads as zeros");

        var state = region.CreateFile("/vm-a.state", 5000, FileKind.DeviceState, new CreateFileOptions(OwnerUid: Owner));
        Assert.Null(state.Namespace);
        Assert.Single(_spaces.List());
        AssertHealthy(region);
    }

    [Fact]
    public void Reattach_ResolvesEachFileByName_AndGivesItsNodeBackToItsOwner()
    {
        RegionFileInfo file;
        using (var region = _temp.Format(Options()))
        {
            file = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory, new CreateFileOptions(OwnerUid: Owner));
        }

        _spaces.Reboot();
        Assert.Null(_spaces.OwnerOf(file.Namespace!.Name));

        using (var region = _temp.Attach(Options()))
        {
            var again = region.Stat("/vm-a");
            Assert.Equal(file.Namespace, again.Namespace);
            Assert.Equal(file.Extents, again.Extents);
            Assert.Equal(Owner, _spaces.OwnerOf(file.Namespace.Name));
            Assert.Empty(region.AttachReport.OrphanNamespacesRemoved);
            Assert.True(region.AttachReport.Check.Clean, string.Join("; ", region.AttachReport.Check.Problems));
            AssertHealthy(region);
        }
    }

    [Fact]
    public void Remove_CommitsThenDestroysTheNamespace()
    {
        using var region = _temp.Format(Options());
        var file = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);

        region.Remove("/vm-a");

        Assert.Empty(_spaces.List());
        Assert.False(File.Exists(file.Namespace!.DevicePath));
        Assert.Equal(["create " + file.Namespace.Name, $"own {file.Namespace.Name} 0", "destroy " + file.Namespace.Name], _spaces.Calls);
        AssertHealthy(region);
    }

    [Fact]
    public void Remove_WhoseDestroyFails_StillRemovesTheFile_AndTheOrphanGoesAtTheNextAttach()
    {
        string name;
        using (var region = _temp.Format(Options()))
        {
            name = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory).Namespace!.Name;
            _spaces.FailNextDestroy = true;
            region.Remove("/vm-a");
            Assert.False(region.Exists("/vm-a"));
            var orphan = Assert.Single(region.Check().Problems);
            Assert.Contains(name, orphan.Message + orphan.Structure, StringComparison.Ordinal);
        }

        using (var region = _temp.Attach(Options()))
        {
            Assert.Equal([name], region.AttachReport.OrphanNamespacesRemoved);
            Assert.Empty(_spaces.List());
            AssertHealthy(region);
        }
    }

    [Fact]
    public void CrashBetweenNamespaceCreationAndCommit_LeavesAnOrphan_WhichAttachScrubsAndDestroys()
    {
        var faults = new FaultAt(FaultPoint.NamespaceCreated);
        var region = _temp.Format(Options(faults));
        Assert.Throws<SimulatedCrashException>(() => region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory));
        Crash(region);
        var orphan = Assert.Single(_spaces.List());

        using var after = _temp.Attach(Options());

        Assert.False(after.Exists("/vm-a"));
        Assert.Equal([orphan.Name], after.AttachReport.OrphanNamespacesRemoved);
        Assert.Empty(_spaces.List());
        AssertHealthy(after);
    }

    [Fact]
    public void Check_ReportsANamespaceNoFileNames_AndRepairDestroysIt()
    {
        using var region = _temp.Format(Options());
        region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);
        var stray = _spaces.Create(NamespaceNames.ForFile(Guid.NewGuid()), 2 * MiB, 0);
        _spaces.Create("someone-elses", 2 * MiB, 0);

        var report = region.Check();
        var problem = Assert.Single(report.Problems);
        Assert.Equal($"namespace {stray.Name}", problem.Structure);
        Assert.Contains("no file names it", problem.Message, StringComparison.Ordinal);
        Assert.Equal(3, _spaces.List().Count);

        var repaired = Assert.Single(region.Check(repair: true).Problems);
        Assert.True(repaired.Repaired);
        Assert.DoesNotContain(_spaces.List(), space => space.Name == stray.Name);
        Assert.Contains(_spaces.List(), space => space.Name == "someone-elses");
        AssertHealthy(region);
    }

    [Fact]
    public void TheOfflineCheck_ComparesNamespacesWithFiles_AndItsRepairDestroysOnlyOrphans()
    {
        RegionFileInfo kept, lost;
        using (var region = _temp.Format(Options()))
        {
            kept = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);
            lost = region.CreateFile("/vm-b", 4 * MiB, FileKind.GuestMemory);
        }

        _spaces.Lose(lost.Namespace!.Name);
        var stray = _spaces.Create(NamespaceNames.ForFile(Guid.NewGuid()), 2 * MiB, 0);
        using var device = _temp.OpenDevice();

        var report = PersistentRegion.CheckDetached(device, repair: true, _spaces);

        Assert.Equal(2, report.Problems.Count);
        Assert.Contains(report.Problems, p => !p.Repaired && p.Message.Contains($"{lost.Namespace.Name}, which does not exist", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Repaired && p.Structure == $"namespace {stray.Name}");
        Assert.Equal([kept.Namespace!.Name], _spaces.List().Select(space => space.Name));
    }

    [Fact]
    public void ARepairThatReloadsTheIndexes_KeepsEachFileBoundToItsNamespace()
    {
        using var region = _temp.Format(Options());
        var memory = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);
        region.CreateFile("/blob", 100, FileKind.Blob);
        var (offset, _) = InodeSlots.Find(region.Device, "blob");
        region.Device.Span(offset + 200, 1)[0] ^= 0xFF; // a damaged inode: repair clears it and reloads every index

        var report = region.Check(repair: true);

        Assert.Contains(report.Problems, p => p.Repaired && p.Message.Contains("checksum", StringComparison.Ordinal));
        Assert.Equal(memory.Namespace, region.Stat("/vm-a").Namespace);
        AssertHealthy(region);
    }

    [Fact]
    public void AFileWhoseNamespaceIsGone_IsReportedByAttachAndCheck_AndHasNoDevice()
    {
        RegionFileInfo file;
        using (var region = _temp.Format(Options()))
        {
            file = region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);
        }

        _spaces.Lose(file.Namespace!.Name);

        using var after = _temp.Attach(Options());
        var atAttach = Assert.Single(after.AttachReport.Check.Problems);
        Assert.Contains("does not exist", atAttach.Message, StringComparison.Ordinal);
        Assert.Null(after.Stat("/vm-a").Namespace);
        var problem = Assert.Single(after.Check(repair: true).Problems);
        Assert.Contains(file.Namespace.Name, problem.Message, StringComparison.Ordinal);
        Assert.False(problem.Repaired);
        after.Remove("/vm-a");
        AssertHealthy(after);
    }

    [Fact]
    public void Resize_OfNamespaceBackedMemory_IsRefusedAndChangesNothing()
    {
        using var region = _temp.Format(Options());
        region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);

        var ex = AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Resize("/vm-a", 8 * MiB));

        Assert.Contains("namespace", ex.Message, StringComparison.Ordinal);
        Assert.Single(_spaces.List());
    }

    [Fact]
    public void ACreateRefusedAfterItsNamespaceWasMade_DestroysTheNamespace_AndChangesNothing()
    {
        using var region = _temp.Format(Options());
        region.CreateFile("/vm-a", 4 * MiB, FileKind.GuestMemory);
        _spaces.ShortenNextBy = 2 * MiB; // the kernel gave a smaller device than asked for

        var ex = AssertFailsWithoutChange(region, RegionError.Io, () => region.CreateFile("/vm-b", 4 * MiB, FileKind.GuestMemory));

        Assert.Contains("were needed", ex.Message, StringComparison.Ordinal);
        Assert.Single(_spaces.List());
    }

    public void Dispose()
    {
        _spaces.Dispose();
        _temp.Dispose();
    }
}
