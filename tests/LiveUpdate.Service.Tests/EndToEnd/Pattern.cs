using System.Buffers.Binary;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// A deterministic byte pattern: the 8-byte little-endian word at file offset 8·k is SplitMix64(seed + k), so every word
/// differs and a misplaced extent (bytes from the wrong region offset) cannot match by chance.
/// </summary>
internal static class Pattern
{
    /// <summary>Fills <paramref name="destination"/>, which starts at file offset <paramref name="fileOffset"/> (a multiple of 8).</summary>
    public static void Fill(Span<byte> destination, ulong seed, long fileOffset)
    {
        Assert.Equal(0, fileOffset % 8);
        Assert.Equal(0, destination.Length % 8);
        var word = (ulong)fileOffset / 8;
        for (var i = 0; i < destination.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], Word(seed, word++));
        }
    }

    /// <summary>The file offset of the first byte of <paramref name="actual"/> that differs from the pattern, or -1.</summary>
    public static long FirstMismatch(ReadOnlySpan<byte> actual, ulong seed, long fileOffset)
    {
        var word = (ulong)fileOffset / 8;
        for (var i = 0; i < actual.Length; i += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(actual[i..]) != Word(seed, word++))
            {
                return fileOffset + i;
            }
        }

        return -1;
    }

    /// <summary>The pattern's bytes for [<paramref name="fileOffset"/>, +<paramref name="length"/>).</summary>
    public static byte[] Bytes(ulong seed, long fileOffset, int length)
    {
        var bytes = new byte[length];
        Fill(bytes, seed, fileOffset);
        return bytes;
    }

    private static ulong Word(ulong seed, ulong index)
    {
        var z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
