using System.Buffers.Binary;
using LiveUpdate.Client;

namespace LiveUpdate.TestVmm;

/// <summary>
/// The tests' deterministic pattern (tests/LiveUpdate.Service.Tests/EndToEnd/Pattern.cs): the little-endian word at file
/// offset 8·k is SplitMix64(seed + (k + 1)·0x9E3779B97F4A7C15), so every word differs and bytes from the wrong region
/// offset cannot match by chance. A last partial word holds that word's first bytes.
/// </summary>
internal static class Pattern
{
    /// <summary>Mixed into the seed for the device-state file, so it never matches the guest memory's pattern.</summary>
    public const ulong DeviceStateSalt = 0x5EEDDE71CE57A7E5;

    private const int Chunk = 16 << 20;

    /// <summary>The device-state seed of a VM whose memory uses <paramref name="seed"/>.</summary>
    public static ulong DeviceStateSeed(ulong seed) => seed ^ DeviceStateSalt;

    /// <summary>Fills the whole file (<see cref="MappedFile.Length"/> bytes) with the pattern of <paramref name="seed"/>.</summary>
    public static void Fill(MappedFile file, ulong seed)
    {
        Span<byte> last = stackalloc byte[8];
        for (long offset = 0; offset < file.Length; offset += Chunk)
        {
            var span = file.GetSpan(offset, (int)Math.Min(Chunk, file.Length - offset));
            var word = (ulong)offset / 8;
            var i = 0;
            for (; i + 8 <= span.Length; i += 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[i..], Word(seed, word++));
            }

            if (i < span.Length)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(last, Word(seed, word));
                last[..(span.Length - i)].CopyTo(span[i..]);
            }
        }
    }

    /// <summary>The offset of the first byte that differs from the pattern of <paramref name="seed"/>, or -1.</summary>
    public static long FirstMismatch(MappedFile file, ulong seed)
    {
        Span<byte> expected = stackalloc byte[8];
        for (long offset = 0; offset < file.Length; offset += Chunk)
        {
            var span = file.GetReadOnlySpan(offset, (int)Math.Min(Chunk, file.Length - offset));
            var word = (ulong)offset / 8;
            for (var i = 0; i < span.Length; i += 8)
            {
                var length = Math.Min(8, span.Length - i);
                BinaryPrimitives.WriteUInt64LittleEndian(expected, Word(seed, word++));
                if (!span.Slice(i, length).SequenceEqual(expected[..length]))
                {
                    for (var b = 0; b < length; b++)
                    {
                        if (span[i + b] != expected[b])
                        {
                            return offset + i + b;
                        }
                    }
                }
            }
        }

        return -1;
    }

    private static ulong Word(ulong seed, ulong index)
    {
        var z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
