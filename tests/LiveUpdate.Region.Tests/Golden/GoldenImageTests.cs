using System.IO.Hashing;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Golden;

/// <summary>
/// The kept images of released format versions: each must attach and show exactly its kept tree, and an engine
/// must refuse a format newer than its own with a message that says to upgrade.
/// </summary>
public sealed class GoldenImageTests(ITestOutputHelper output) : IDisposable
{
    private const string RegenerateVariable = "LU_REGENERATE_GOLDEN";

    private readonly string _directory = Directory.CreateDirectory(Path.Combine("/dev/shm", $"lu-golden-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Writes the current version's image and expected tree into the source tree. Run it once when a format
    /// version is released (LU_REGENERATE_GOLDEN=1 dotnet test --filter Regenerate_WhenAsked), never to make a
    /// failing golden test pass: an engine that cannot attach a kept image is the bug.
    /// </summary>
    [Fact]
    [Trait("Category", "GoldenGenerator")]
    public void Regenerate_WhenAsked_WritesTheCurrentVersionsImage()
    {
        if (Environment.GetEnvironmentVariable(RegenerateVariable) != "1")
        {
            output.WriteLine($"{RegenerateVariable} is not 1: the kept golden image is left alone");
            return;
        }

        var version = RegionLayout.CurrentFormatVersion;
        var target = GoldenImage.SourceFixtureDirectory();
        var image = Path.Combine(_directory, "generated.img");
        GoldenImage.Generate(image);
        using (var device = Copy(image))
        using (var region = PersistentRegion.Attach(device, new RegionOptions { TimeProvider = new FixedTimeProvider(GoldenImage.Now) }))
        {
            File.WriteAllText(Path.Combine(target, GoldenImage.ExpectedName(version)), GoldenImage.Serialize(GoldenImage.Describe(region)));
        }

        GoldenImage.Compress(image, Path.Combine(target, GoldenImage.ImageName(version)));
        output.WriteLine($"wrote {GoldenImage.ImageName(version)} ({new FileInfo(Path.Combine(target, GoldenImage.ImageName(version))).Length} bytes) to {target}");
    }

    /// <summary>Every kept image attaches (upgraded in place to the current version) and shows exactly its kept tree.</summary>
    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void KeptImage_Attaches_WithExactlyTheKeptTree(uint version)
    {
        var expected = GoldenImage.Deserialize(File.ReadAllText(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ExpectedName(version))));
        using var device = Kept(version);
        using var region = PersistentRegion.Attach(device);

        Assert.Equal(version, region.AttachReport.FormatVersionFound);
        Assert.Equal(RegionLayout.CurrentFormatVersion, region.Info.FormatVersion);
        Assert.Empty(region.AttachReport.Warnings);
        Assert.Equal(0, region.AttachReport.JournalTransactionsReplayed);
        var actual = GoldenImage.Describe(region);
        Assert.Equal(expected with { Entries = [], Dma = [], FormatVersion = 0 }, actual with { Entries = [], Dma = [], FormatVersion = 0 });
        // Before format 3 no inode had an instance id: the upgrade drew a random one for each, all different.
        var shown = version < 3 ? actual.Entries.Select(e => e with { InstanceId = null }) : actual.Entries;
        Assert.Equal(expected.Entries.Select(GoldenImage.Serialize), shown.Select(GoldenImage.Serialize));
        Assert.All(actual.Entries, e => Assert.NotEqual(Guid.Empty, e.InstanceId ?? Guid.Empty));
        Assert.Equal(actual.Entries.Count, actual.Entries.Select(e => e.InstanceId).Distinct().Count());
        Assert.Equal(expected.Dma ?? [], actual.Dma!);
        var check = region.Check();
        Assert.True(check.Clean, string.Join("\n", check.Problems));
        Assert.Equal(check.TotalBytes, check.UsedBytes + check.FreeBytes);
    }

    /// <summary>Format-1 and format-2 regions are upgraded in place: from then on only a version-3 reader may attach them.</summary>
    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void OlderImage_IsUpgradedInPlace_AndRequiresAVersion3Reader(uint version)
    {
        using var device = Kept(version);
        PersistentRegion.Attach(device).Dispose();

        for (var slot = 0; slot < 2; slot++)
        {
            var record = SuperblockRecord.Read(device.Span(RegionLayout.SuperblockOffsets[slot], SuperblockRecord.TotalSize));
            Assert.Equal(3u, record.FormatVersion);
            Assert.Equal(3u, record.MinReaderVersion);
        }
    }

    /// <summary>The instance ids the upgrade drew are stored: a second attach shows the same ones, and a clean check.</summary>
    [Fact]
    public void FormatV2Image_UpgradedInstanceIds_SurviveReattach()
    {
        using var device = Kept(2);
        Dictionary<string, Guid> first;
        using (var region = PersistentRegion.Attach(device))
        {
            first = GoldenImage.Describe(region).Entries.ToDictionary(e => e.Path, e => e.InstanceId!.Value);
        }

        using var again = PersistentRegion.Attach(device);
        Assert.Equal(3u, again.AttachReport.FormatVersionFound);
        Assert.Equal(first, GoldenImage.Describe(again).Entries.ToDictionary(e => e.Path, e => e.InstanceId!.Value));
        Assert.True(again.Check().Clean);
    }

    /// <summary>
    /// The upgrade is crash-consistent: killed at any journal fault point of its instance-id transaction, the next attach
    /// replays or discards that transaction, finishes the upgrade, and every inode ends with one id, unchanged thereafter.
    /// </summary>
    [Theory]
    [InlineData(FaultPoint.JournalTorn)]
    [InlineData(FaultPoint.JournalWritten)]
    [InlineData(FaultPoint.ApplyPartial)]
    [InlineData(FaultPoint.Applied)]
    [InlineData(FaultPoint.SuperblockTorn)]
    public void FormatV2Upgrade_CrashedAtAnyPoint_FinishesOnTheNextAttach(FaultPoint point)
    {
        using var device = Kept(2);
        var faults = new LiveUpdate.Region.Tests.Engine.FaultAt(point);
        Assert.Throws<LiveUpdate.Region.Tests.Engine.SimulatedCrashException>(() => PersistentRegion.Attach(device, new RegionOptions { FaultInjector = faults }));
        Assert.True(faults.Fired);

        using var region = PersistentRegion.Attach(device);
        Assert.Equal(RegionLayout.CurrentFormatVersion, region.Info.FormatVersion);
        var entries = GoldenImage.Describe(region).Entries;
        Assert.All(entries, e => Assert.NotEqual(Guid.Empty, e.InstanceId ?? Guid.Empty));
        Assert.Equal(entries.Count, entries.Select(e => e.InstanceId).Distinct().Count());
        var check = region.Check();
        Assert.True(check.Clean, string.Join("\n", check.Problems));
    }

    /// <summary>The kept VT-d tables of format 2 still translate, from the domain and from the device's root and context entries.</summary>
    [Fact]
    public void FormatV2Image_TablesTranslate()
    {
        using var device = Kept(2);
        using var region = PersistentRegion.Attach(device);

        var memory = region.Stat($"{GoldenImage.VmDirectory}/memory");
        var big = region.Dma.Translate(LiveUpdate.Region.Dma.PciAddress.Parse(GoldenImage.Device), 0x1_0012_3456);
        Assert.Equal(2L << 20, big.PageSize);
        Assert.Equal(region.Info.PhysicalBase + (ulong)memory.Extents[0].RegionOffset + 0x12_3456, big.PhysicalAddress);
        Assert.True(big.Writable);
        var small = region.Dma.Translate(GoldenImage.DomainId, 0x2000_1008);
        Assert.Equal(4096, small.PageSize);
        Assert.False(small.Writable);
        Assert.Equal((2L << 20) + 4096 + 8, small.FileOffset);
    }

    [Fact]
    public void FormatV1Image_FileData_IsTheWrittenPattern()
    {
        using var device = Kept(1);
        using var region = PersistentRegion.Attach(device);

        var state = GoldenImage.Data(region.Device, region.Stat($"{GoldenImage.VmDirectory}/device-state"));
        Assert.Equal(GoldenImage.DeviceStateSize, state.Length);
        for (var i = 0; i < state.Length; i++)
        {
            Assert.True(state[i] == GoldenImage.PatternByte(i), $"device-state byte {i} is 0x{state[i]:x2}, expected 0x{GoldenImage.PatternByte(i):x2}");
        }

        Assert.Equal(GoldenImage.ReadmeText, System.Text.Encoding.UTF8.GetString(GoldenImage.Data(region.Device, region.Stat("/blobs/readme"))));
        Assert.DoesNotContain(GoldenImage.Data(region.Device, region.Stat($"{GoldenImage.VmDirectory}/memory")), b => b != 0);
    }

    [Fact]
    public void FormatV1Image_IsKeptSmall()
    {
        var size = new FileInfo(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ImageName(1))).Length;
        output.WriteLine($"{GoldenImage.ImageName(1)}: {size} bytes");

        // A 16 MiB region that is nearly all zeros: deflate's ~1000:1 ceiling puts it around 16-20 KiB.
        Assert.InRange(size, 1, 64 * 1024);
    }

    [Fact]
    public void FormatV1Image_ProbesAsARegion()
    {
        using var device = Kept(1);
        Assert.Equal(RegionContent.Region, RegionProbe.Inspect(device));
    }

    /// <summary>The generator is deterministic: fixed UUIDs and clock, so regenerating a version reproduces its bytes.</summary>
    [Fact]
    public void Generator_RunTwice_WritesIdenticalImages()
    {
        var first = Path.Combine(_directory, "first.img");
        var second = Path.Combine(_directory, "second.img");
        GoldenImage.Generate(first);
        GoldenImage.Generate(second);

        Assert.Equal(XxHash3.HashToUInt64(File.ReadAllBytes(first)), XxHash3.HashToUInt64(File.ReadAllBytes(second)));
    }

    /// <summary>Every released version below the current one has a kept image and an upgrade step; the current one has a kept image.</summary>
    [Fact]
    public void EveryReleasedVersion_HasAKeptImageAndAnUpgradePath()
    {
        for (var version = 1u; version <= RegionLayout.CurrentFormatVersion; version++)
        {
            Assert.True(File.Exists(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ImageName(version))), $"no golden image of format version {version}");
            Assert.True(File.Exists(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ExpectedName(version))), $"no expected tree of format version {version}");
            if (version < RegionLayout.CurrentFormatVersion)
            {
                Assert.Contains(FormatUpgrades.Steps, step => step.From == version);
            }
        }
    }

    [Theory]
    [InlineData(4u, 4u, 0u)]
    [InlineData(4u, 3u, 0u)]
    [InlineData(1u, 1u, 2u)] // an incompatible feature this engine does not know (1, namespace-backed extents, it knows)
    public void NewerFormatImage_IsRefusedWithAnUpgradeMessageAndLeftUntouched(uint formatVersion, uint minReaderVersion, uint incompatibleFeatures)
    {
        using var device = Kept(1);
        for (var slot = 0; slot < 2; slot++)
        {
            var bytes = device.Span(RegionLayout.SuperblockOffsets[slot], SuperblockRecord.TotalSize);
            var record = SuperblockRecord.Read(bytes);
            record.FormatVersion = formatVersion;
            record.MinReaderVersion = minReaderVersion;
            record.IncompatibleFeatures = incompatibleFeatures;
            record.WriteSealed(bytes);
        }

        var before = Hash(device);

        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
        Assert.Equal(RegionError.UnsupportedFormat, ex.Error);
        Assert.Contains($"format version {formatVersion}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade the daemon", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RegionContent.NewerRegion, RegionProbe.Inspect(device));
        Assert.Equal(RegionError.UnsupportedFormat, Assert.Throws<RegionException>(() => PersistentRegion.CheckDetached(device, repair: true)).Error);
        Assert.Equal(before, Hash(device));
    }

    [Fact]
    public void ZeroFile_ProbesEmpty()
    {
        using var device = RegionDevice.Open(Path.Combine(_directory, "zero.img"), new RegionDeviceOptions { CreateIfMissing = true, CreateSize = GoldenImage.RegionSize });

        Assert.Equal(RegionContent.Empty, RegionProbe.Inspect(device));
        Assert.Equal(RegionError.UnsupportedFormat, Assert.Throws<RegionException>(() => PersistentRegion.Attach(device)).Error);
    }

    [Fact]
    public void RandomBytes_ProbeForeignAndAreNotAttached()
    {
        var path = Path.Combine(_directory, "random.img");
        var bytes = new byte[GoldenImage.RegionSize];
        new Random(17).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        using var device = RegionDevice.Open(path);

        Assert.Equal(RegionContent.Foreign, RegionProbe.Inspect(device));
        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
        Assert.Equal(RegionError.UnsupportedFormat, ex.Error);
        Assert.Contains("no LiveUpdate region", ex.Message, StringComparison.Ordinal);
        Assert.Equal(XxHash3.HashToUInt64(bytes), Hash(device));
    }

    /// <summary>A fresh copy of the kept image of <paramref name="version"/>, opened.</summary>
    private RegionDevice Kept(uint version)
    {
        var path = Path.Combine(_directory, $"v{version}-{Guid.NewGuid():N}.img");
        GoldenImage.Decompress(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ImageName(version)), path);
        return RegionDevice.Open(path);
    }

    private RegionDevice Copy(string image)
    {
        var path = Path.Combine(_directory, $"copy-{Guid.NewGuid():N}.img");
        File.Copy(image, path);
        return RegionDevice.Open(path);
    }

    private static ulong Hash(RegionDevice device) => XxHash3.HashToUInt64(device.Span(0, checked((int)device.Size)));
}
