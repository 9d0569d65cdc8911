namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>Generates the damage applied to a structure: single-bit flips and byte, word and whole-structure overwrites.</summary>
internal static class CorruptionCases
{
    /// <summary>Every position of a structure.</summary>
    public static IEnumerable<int> Every(int length) => Enumerable.Range(0, length);

    /// <summary>Every byte of the first 64 and the last 16, and every <paramref name="stride"/>-th in between.</summary>
    public static IEnumerable<int> Sampled(int length, int stride) =>
        Enumerable.Range(0, Math.Min(64, length))
            .Concat(Enumerable.Range(64, Math.Max(0, length - 80)).Where(i => i % stride == 0))
            .Concat(Enumerable.Range(Math.Max(64, length - 16), Math.Min(16, Math.Max(0, length - 64))));

    /// <summary>Flips bit (i % 8) of byte i, for each position.</summary>
    public static IEnumerable<CorruptionCase> BitFlips(byte[] image, MetadataStructure s, IEnumerable<int> positions)
    {
        foreach (var i in positions)
        {
            var bit = i % 8;
            var patches = s.Offsets.Select(offset => new RegionPatch(offset + i, [(byte)(image[offset + i] ^ (1 << bit))])).ToArray();
            yield return Case(s, $"{s.Name}: flip bit {bit} of byte {i}", patches);
        }
    }

    /// <summary>Overwrites byte i with 0x00, 0xFF and a random value (skipping values it already has).</summary>
    public static IEnumerable<CorruptionCase> ByteOverwrites(byte[] image, MetadataStructure s, IEnumerable<int> positions, Random random)
    {
        foreach (var i in positions)
        {
            foreach (var value in new[] { (byte)0x00, (byte)0xFF, (byte)random.Next(256) })
            {
                if (s.Offsets.Any(offset => image[offset + i] == value))
                {
                    continue;
                }

                yield return Case(s, $"{s.Name}: byte {i} := 0x{value:x2}", s.Offsets.Select(offset => new RegionPatch(offset + i, [value])).ToArray());
            }
        }
    }

    /// <summary>Overwrites each aligned run of <paramref name="width"/> bytes (a field, a word) with zeros, ones and random bytes.</summary>
    public static IEnumerable<CorruptionCase> RunOverwrites(byte[] image, MetadataStructure s, int width, Random random)
    {
        for (var start = 0; start + width <= s.Length; start += width)
        {
            foreach (var (what, bytes) in Fills(width, random))
            {
                if (s.Offsets.Any(offset => image.AsSpan((int)offset + start, width).SequenceEqual(bytes)))
                {
                    continue;
                }

                yield return Case(s, $"{s.Name}: bytes [{start}, {start + width}) := {what}",
                    s.Offsets.Select(offset => new RegionPatch(offset + start, bytes)).ToArray());
            }
        }
    }

    /// <summary>Overwrites named ranges (fields) with zeros, ones and random bytes.</summary>
    public static IEnumerable<CorruptionCase> FieldOverwrites(byte[] image, MetadataStructure s, IEnumerable<(string Field, int Start, int Length)> fields, Random random)
    {
        foreach (var (field, start, length) in fields)
        {
            foreach (var (what, bytes) in Fills(length, random))
            {
                if (s.Offsets.Any(offset => image.AsSpan((int)offset + start, length).SequenceEqual(bytes)))
                {
                    continue;
                }

                yield return Case(s, $"{s.Name}: field {field} [{start}, +{length}) := {what}",
                    s.Offsets.Select(offset => new RegionPatch(offset + start, bytes)).ToArray());
            }
        }
    }

    private static IEnumerable<(string What, byte[] Bytes)> Fills(int width, Random random)
    {
        yield return ("zeros", new byte[width]);
        yield return ("0xff", Enumerable.Repeat((byte)0xFF, width).ToArray());
        var bytes = new byte[width];
        random.NextBytes(bytes);
        yield return ("random", bytes);
    }

    private static CorruptionCase Case(MetadataStructure s, string description, RegionPatch[] patches) =>
        new(description, patches, s.Structure, s.OffsetText, s.Allowed);
}
