using System.Buffers.Binary;

namespace LiveUpdate.Fuzz.Tests.Region;

/// <summary>
/// Turns the valid encoding of a record into a damaged one of the same length (the record is patched in place): bit
/// flips, random bytes, boundary values written over aligned fields, bytes inserted (the tail shifts right and falls
/// off), bytes deleted (the tail shifts left, zeros fill in), a truncation (zeros from a point on), or entirely random
/// bytes. Most inputs are then sealed again with the record's checksum, so that they get past the checksum and reach
/// the validation behind it.
/// </summary>
internal sealed class ByteMutator(Random random)
{
    private static readonly long[] s_boundaries =
    [
        0, 1, -1, 2, 7, 8, 511, 512, 4095, 4096, 4097, 1L << 21, (1L << 21) - 1, 36L << 20, (36L << 20) + 1,
        int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 0x4E4F4947_4552554C, 252, 253, 511 * 512,
    ];

    /// <summary>What the last <see cref="Mutate"/> did, for a failure message.</summary>
    public string LastDescription { get; private set; } = string.Empty;

    /// <summary>A damaged copy of <paramref name="valid"/>; sealed with <paramref name="seal"/> (a checksum over the copy) unless the draw says not to.</summary>
    public byte[] Mutate(ReadOnlySpan<byte> valid, Action<Span<byte>> seal)
    {
        var bytes = valid.ToArray();
        var steps = new List<string>();
        if (random.Next(16) == 0)
        {
            random.NextBytes(bytes);
            steps.Add("all random");
        }
        else
        {
            for (var n = 1 + random.Next(random.Next(4) == 0 ? 8 : 2); n > 0; n--)
            {
                steps.Add(MutateOnce(bytes));
            }
        }

        if (random.Next(4) != 0)
        {
            seal(bytes);
            steps.Add("resealed");
        }

        LastDescription = string.Join(", ", steps);
        return bytes;
    }

    private string MutateOnce(byte[] bytes)
    {
        // Half the damage lands in the first 128 bytes: every record keeps its header there, and a 4 KiB page is
        // otherwise mostly entries or reserved bytes.
        var at = random.Next(Math.Min(bytes.Length, random.Next(2) == 0 ? 128 : bytes.Length));
        switch (random.Next(7))
        {
            case 0:
                var bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                return $"bit {bit} of byte {at}";
            case 1:
                bytes[at] = (byte)random.Next(256);
                return $"byte {at} = 0x{bytes[at]:x2}";
            case 2:
                var field = at & ~7;
                var value = s_boundaries[random.Next(s_boundaries.Length)];
                if (random.Next(2) == 0 || field + 8 > bytes.Length)
                {
                    field = Math.Min(at & ~3, bytes.Length - 4);
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(field), unchecked((int)value));
                    return $"u32 at {field} = {unchecked((int)value)}";
                }

                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(field), value);
                return $"u64 at {field} = {value}";
            case 3:
                var inserted = 1 + random.Next(Math.Min(16, bytes.Length - at));
                bytes.AsSpan(at, bytes.Length - at - inserted).CopyTo(bytes.AsSpan(at + inserted));
                random.NextBytes(bytes.AsSpan(at, inserted));
                return $"{inserted} bytes inserted at {at}";
            case 4:
                var deleted = 1 + random.Next(Math.Min(16, bytes.Length - at));
                bytes.AsSpan(at + deleted).CopyTo(bytes.AsSpan(at));
                bytes.AsSpan(bytes.Length - deleted).Clear();
                return $"{deleted} bytes deleted at {at}";
            case 5:
                bytes.AsSpan(at).Clear();
                return $"truncated at {at}";
            default:
                var length = 1 + random.Next(Math.Min(64, bytes.Length - at));
                random.NextBytes(bytes.AsSpan(at, length));
                return $"{length} random bytes at {at}";
        }
    }
}
