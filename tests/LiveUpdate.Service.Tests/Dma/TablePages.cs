using System.Globalization;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.Dma;

/// <summary>
/// The raw bytes of the IOMMU tables, read from the region file by an outside checker (python3: the daemon's flock on the
/// region keeps .NET's own FileStream out, and a checker that is not the daemon's code is the point): the pages of an
/// IOMMU_PGTABLE inode are its extents (Files.Stat), and a physical address is the region offset plus GetRegion's
/// physical base.
/// </summary>
internal static class TablePages
{
    private const string HashScript = """
        import hashlib, struct, sys
        h = hashlib.sha256()
        with open(sys.argv[1], 'rb') as region:
            for extent in sys.argv[2:]:
                offset, length = (int(x) for x in extent.split(':'))
                region.seek(offset)
                data = region.read(length)
                assert len(data) == length, extent
                h.update(struct.pack('<QQ', offset, length))
                h.update(data)
        print(h.hexdigest())
        """;

    private const string WordScript = """
        import struct, sys
        with open(sys.argv[1], 'rb') as region:
            region.seek(int(sys.argv[2]))
            print(struct.unpack('<Q', region.read(8))[0])
        """;

    /// <summary>SHA-256 over every extent of <paramref name="inodePath"/> (its region offset, length and bytes, in file order).</summary>
    public static async Task<string> HashAsync(Files.FilesClient files, string regionPath, string inodePath)
    {
        var inode = await files.StatAsync(new StatRequest { Path = inodePath });
        Assert.Equal(FileKind.IommuPgtable, inode.Kind);
        Assert.NotEmpty(inode.Extents);
        var extents = inode.Extents.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.RegionOffset}:{e.Length}"));
        return await Python.RunAsync(HashScript, [regionPath, .. extents]);
    }

    /// <summary>The little-endian 64-bit word at physical address <paramref name="physical"/>.</summary>
    public static async Task<ulong> WordAsync(string regionPath, ulong physicalBase, ulong physical)
    {
        Assert.True(physical >= physicalBase, $"physical 0x{physical:x} is below the region's base 0x{physicalBase:x}");
        var text = await Python.RunAsync(WordScript, regionPath, (physical - physicalBase).ToString(CultureInfo.InvariantCulture));
        return ulong.Parse(text, CultureInfo.InvariantCulture);
    }
}
