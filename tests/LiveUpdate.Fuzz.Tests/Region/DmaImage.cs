using System.Buffers.Binary;
using LiveUpdate.Region;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Tests.Corruption;

namespace LiveUpdate.Fuzz.Tests.Region;

/// <summary>
/// A region with IOMMU structures, built once per run in /dev/shm: guest memory, one DMA domain with a device attached
/// and two mappings; detached cleanly. <see cref="DomainPage"/> and <see cref="MappingBlock"/> are where the domain's
/// record page and its first mapping block lie.
/// </summary>
public sealed class DmaImage : IDisposable
{
    public DmaImage()
    {
        Directory = Path.Combine("/dev/shm", "lu-fuzz-dma-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ImagePath = Path.Combine(Directory, "dma.img");
        try
        {
            using var device = CorruptionImage.OpenDevice(ImagePath, create: true);
            List<long> pages;
            using (var region = PersistentRegion.Format(device))
            {
                region.CreateFile("/memory", 8L << 20, FileKind.GuestMemory);
                region.Dma.CreateDomain(6, 48);
                region.Dma.AttachDevice(6, PciAddress.Parse("0000:05:00.0"));
                region.Dma.Map(6, 0x20_0000, "/memory", 0, 4L << 20, readable: true, writable: true);
                region.Dma.Map(6, 0x8000_3000, "/memory", 4L << 20, 3 * 4096, readable: true, writable: false);
                pages = [.. region.List("/.iommu").SelectMany(f => f.Extents)
                    .SelectMany(e => Enumerable.Range(0, (int)(e.Length / RegionLayout.SmallGranule)).Select(i => e.RegionOffset + (i * (long)RegionLayout.SmallGranule)))];
            }

            DomainPage = pages.Single(page => Magic(device, page) == DmaDomainRecord.MagicValue);
            MappingBlock = pages.First(page => Magic(device, page) == DmaMappingBlock.MagicValue);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public string ImagePath { get; }

    public long DomainPage { get; }

    public long MappingBlock { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static uint Magic(LiveUpdate.Region.Devices.RegionDevice device, long page) => BinaryPrimitives.ReadUInt32LittleEndian(device.Span(page, 4));
}
