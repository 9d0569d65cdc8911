using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Golden;

/// <summary>
/// The golden region image of a format version: how it is generated (once, when the version is released; see
/// <see cref="GoldenImageTests.Regenerate_WhenAsked_WritesTheCurrentVersionsImage"/>), where it is kept, and how
/// its tree is described. A newer engine must attach every kept image and show exactly the kept tree.
/// </summary>
internal static class GoldenImage
{
    public const long RegionSize = 16L << 20;
    public const int DeviceStateSize = 10_000;
    public const string ReadmeText = "LiveUpdate golden region, format version 1. Do not regenerate for an engine change: keep it and attach it.\n";

    public static readonly Guid RegionUuid = new("601de4a1-0000-4000-8000-00000000f001");
    public static readonly Guid VmUuid = new("601de4a1-7a5e-4c1b-9d0e-0000000000a1");
    public const ushort DomainId = 3;
    public const string Device = "0000:03:00.0";

    public static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string VmDirectory => $"/vms/{VmUuid}";

    /// <summary>The checked-in fixtures, as copied next to the test assembly.</summary>
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden");

    public static string ImageName(uint version) => $"region-v{version}.img.gz";

    public static string ExpectedName(uint version) => $"region-v{version}.expected.json";

    /// <summary>The fixtures folder in the source tree (where regeneration writes).</summary>
    public static string SourceFixtureDirectory([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "Fixtures", "golden"));

    /// <summary>The fixed instance id of the <paramref name="n"/>-th inode the generator creates (the root is the first).</summary>
    public static Guid InstanceId(int n) => new($"601de4a1-1d00-4000-8000-{n:x12}");

    /// <summary>The device-state file's bytes.</summary>
    public static byte PatternByte(long index) => (byte)((index * 131) + 17);

    /// <summary>
    /// Writes the current format's golden region to <paramref name="path"/> (a new file): fixed UUIDs and a stopped
    /// clock, so that the same engine writes the same bytes. The tree is small and covers every kind of inode.
    /// </summary>
    public static void Generate(string path)
    {
        var instances = 0;
        var options = new RegionOptions { TimeProvider = new FixedTimeProvider(Now), NewInstanceId = () => InstanceId(++instances) };
        using var device = RegionDevice.Open(path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = RegionSize });
        using var region = PersistentRegion.Format(device, options, RegionUuid);
        // Every mode is explicit, so the image does not depend on the engine's defaults.
        var directory = new CreateFileOptions(Mode: 0x1ED); // 0755
        var vm = new CreateFileOptions(VmUuid, OwnerUid: 107, Mode: 0x180); // 0600
        region.MakeDirectory("/vms", directory);
        region.MakeDirectory(VmDirectory, vm with { Mode = 0x1E8 }); // 0750
        region.CreateFile($"{VmDirectory}/memory", 4L << 20, FileKind.GuestMemory, vm);
        var state = region.CreateFile($"{VmDirectory}/device-state", DeviceStateSize, FileKind.DeviceState, vm);
        region.CreateFile($"{VmDirectory}/iommu", RegionLayout.SmallGranule, FileKind.IommuPageTable, vm with { Mode = 0x100 }); // 0400
        region.MakeDirectory("/blobs", directory);
        var readme = region.CreateFile("/blobs/readme", Encoding.UTF8.GetByteCount(ReadmeText), FileKind.Blob, new CreateFileOptions(Mode: 0x1A4)); // 0644
        region.MakeDirectory("/empty", directory with { Mode = 0x1C0 }); // 0700

        // Format 2: a domain with a device, a 2 MiB read-write leaf and a 4 KiB read-only leaf.
        region.Dma.CreateDomain(DomainId, 48, new LiveUpdate.Region.Dma.DmaDomainOptions(107, VmUuid));
        region.Dma.AttachDevice(DomainId, LiveUpdate.Region.Dma.PciAddress.Parse(Device));
        region.Dma.Map(DomainId, 0x1_0000_0000, $"{VmDirectory}/memory", 0, 2L << 20, readable: true, writable: true);
        region.Dma.Map(DomainId, 0x2000_1000, $"{VmDirectory}/memory", (2L << 20) + 4096, 4096, readable: true, writable: false);

        WriteData(device, state, i => PatternByte(i));
        var text = Encoding.UTF8.GetBytes(ReadmeText);
        WriteData(device, readme, i => text[i]);
    }

    /// <summary>What <paramref name="region"/> shows, in the golden format.</summary>
    public static GoldenTree Describe(PersistentRegion region)
    {
        var info = region.Info;
        var entries = new List<GoldenEntry> { Entry(region, region.Stat("/")) };
        Walk(region, "/", entries);
        var dma = region.Dma.ListDomains().SelectMany(d => region.Dma.ListMappings(d.Id)
            .Select(m => $"map {m.Iova:x}+{m.Length:x} {m.Path}@{m.FileOffset:x} r={m.Readable} w={m.Writable} leaves={m.Pages4K}/{m.Pages2M}/{m.Pages1G}")
            .Prepend($"domain {d.Id} width={d.AddressWidth} owner={d.OwnerUid} vm={d.VmUuid} devices={string.Join(',', d.Devices)} " +
                $"pages={d.TablePages} top=0x{d.TopTablePhysical:x} root=0x{d.RootTablePhysical:x}")).ToList();
        return new GoldenTree(info.FormatVersion, info.RegionUuid, info.Size, info.FormattedAt.ToUnixTimeMilliseconds(), entries, dma);
    }

    public static string Serialize(GoldenTree tree) => JsonSerializer.Serialize(tree, s_json) + "\n";

    public static string Serialize(GoldenEntry entry) => JsonSerializer.Serialize(entry, s_json);

    public static GoldenTree Deserialize(string json) =>
        JsonSerializer.Deserialize<GoldenTree>(json, s_json) ?? throw new InvalidDataException("empty golden tree");

    /// <summary>Compresses <paramref name="image"/> into <paramref name="gzPath"/>.</summary>
    public static void Compress(string image, string gzPath)
    {
        using var source = File.OpenRead(image);
        using var target = File.Create(gzPath);
        using var gzip = new GZipStream(target, CompressionLevel.SmallestSize);
        source.CopyTo(gzip);
    }

    /// <summary>Decompresses a kept image to <paramref name="path"/> (a new file).</summary>
    public static void Decompress(string gzPath, string path)
    {
        using var source = new GZipStream(File.OpenRead(gzPath), CompressionMode.Decompress);
        using var target = File.Create(path);
        source.CopyTo(target);
    }

    private static void Walk(PersistentRegion region, string directory, List<GoldenEntry> entries)
    {
        foreach (var child in region.List(directory))
        {
            entries.Add(Entry(region, child));
            if (child.Kind == FileKind.Directory)
            {
                Walk(region, child.Path, entries);
            }
        }
    }

    private static GoldenEntry Entry(PersistentRegion region, RegionFileInfo info) => new(
        info.Path, info.Kind, info.Size, info.AllocatedBytes, info.Inode, info.Generation, info.VmUuid, info.OwnerUid,
        "0" + Convert.ToString(info.Mode, 8), info.CreatedAt.ToUnixTimeMilliseconds(), info.ModifiedAt.ToUnixTimeMilliseconds(),
        [.. info.Extents.Select(e => new GoldenExtent(e.FileOffset, e.RegionOffset, e.Length))],
        info.Kind == FileKind.Directory ? null : Convert.ToHexStringLower(SHA256.HashData(Data(region.Device, info))), info.InstanceId);

    /// <summary>The file's first <see cref="RegionFileInfo.Size"/> bytes, read through the region mapping.</summary>
    public static byte[] Data(RegionDevice device, RegionFileInfo info)
    {
        var data = new byte[info.Size];
        foreach (var extent in info.Extents)
        {
            var length = (int)Math.Min(extent.Length, info.Size - extent.FileOffset);
            if (length > 0)
            {
                device.Span(extent.RegionOffset, length).CopyTo(data.AsSpan((int)extent.FileOffset));
            }
        }

        return data;
    }

    private static void WriteData(RegionDevice device, RegionFileInfo file, Func<int, byte> valueAt)
    {
        foreach (var extent in file.Extents)
        {
            var span = device.Span(extent.RegionOffset, (int)Math.Min(extent.Length, file.Size - extent.FileOffset));
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = valueAt((int)extent.FileOffset + i);
            }
        }
    }
}
