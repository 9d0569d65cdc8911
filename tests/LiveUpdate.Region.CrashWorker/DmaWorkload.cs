using System.Globalization;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// The DMA crash workload: seeded random Map and Unmap calls on domain <see cref="Domain"/> over guest-memory
/// file <see cref="MemoryPath"/> (both made by the test), each mapping in its own 1 GiB IOVA slot with 4 KiB,
/// 2 MiB and 1 GiB-free shapes, so that table pages are allocated and freed all the time. Lines:
/// <c>BEGIN seq map IOVA LENGTH OFFSET PERMS</c> / <c>BEGIN seq unmap IOVA LENGTH</c>, then <c>DONE</c> with the same text.
/// </summary>
public sealed class DmaWorkload
{
    private readonly PersistentRegion _region;
    private readonly ReportWriter _report;
    private readonly int _seed;
    private readonly int _operations;

    internal DmaWorkload(PersistentRegion region, ReportWriter report, int seed, int operations)
    {
        _region = region;
        _report = report;
        _seed = seed;
        _operations = operations;
    }

    /// <summary>The mapped file.</summary>
    public const string MemoryPath = "/dma-memory";

    /// <summary>The domain.</summary>
    public const ushort Domain = 1;

    private const long Slot = 1L << 30;
    private const int Slots = 64;

    /// <summary>Runs the operations.</summary>
    public void Run()
    {
        var random = new Random(_seed);
        var size = _region.Stat(MemoryPath).Size;
        var mapped = _region.Dma.ListMappings(Domain).ToList();
        for (var sequence = 0; sequence < _operations; sequence++)
        {
            if (mapped.Count > 0 && (mapped.Count >= Slots / 2 || random.Next(2) == 0))
            {
                var victim = mapped[random.Next(mapped.Count)];
                var text = string.Create(CultureInfo.InvariantCulture, $"{sequence} unmap {victim.Iova:x} {victim.Length:x}");
                _report.Write(ReportLine.FormatText(ReportTag.Begin, text));
                _region.Dma.Unmap(Domain, victim.Iova, victim.Length);
                mapped.Remove(victim);
                _report.Write(ReportLine.FormatText(ReportTag.Done, text));
                continue;
            }

            var used = mapped.Select(m => (long)(m.Iova / Slot)).ToHashSet();
            var slot = Enumerable.Range(0, Slots).Select(s => (long)s).Where(s => !used.Contains(s)).ElementAt(random.Next(Slots - used.Count));
            var unit = random.Next(2) == 0 ? 4096L : 2L << 20;
            var length = unit * random.Next(1, 24);
            var offset = unit * random.NextInt64(0, ((size - length) / unit) + 1);
            var iova = (ulong)((slot * Slot) + (unit * random.Next(0, 64)));
            var writable = random.Next(3) != 0;
            var mapText = string.Create(CultureInfo.InvariantCulture, $"{sequence} map {iova:x} {length:x} {offset:x} {(writable ? "rw" : "r")}");
            _report.Write(ReportLine.FormatText(ReportTag.Begin, mapText));
            mapped.Add(_region.Dma.Map(Domain, iova, MemoryPath, offset, length, readable: true, writable));
            _report.Write(ReportLine.FormatText(ReportTag.Done, mapText));
        }
    }
}
