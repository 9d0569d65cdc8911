using System.Numerics;
using System.Runtime.CompilerServices;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Reads every byte of a buffer as fast as a core can: the sum of its 64-bit words, with <see cref="Vector{T}"/> of
/// ulong and four independent accumulators, so the loop is bound by memory bandwidth, not by additions.
/// </summary>
internal static unsafe class VectorSum
{
    /// <summary>The wrapping sum of the ulongs in [<paramref name="start"/>, +<paramref name="length"/>); length a multiple of 4 vectors.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Sum(byte* start, long length)
    {
        var width = Vector<byte>.Count;
        if (length % (4 * width) != 0)
        {
            throw new ArgumentException($"length must be a multiple of {4 * width}", nameof(length));
        }

        var a = Vector<ulong>.Zero;
        var b = Vector<ulong>.Zero;
        var c = Vector<ulong>.Zero;
        var d = Vector<ulong>.Zero;
        var end = start + length;
        for (var p = start; p < end; p += 4 * width)
        {
            a += Vector.Load((ulong*)p);
            b += Vector.Load((ulong*)(p + width));
            c += Vector.Load((ulong*)(p + (2 * width)));
            d += Vector.Load((ulong*)(p + (3 * width)));
        }

        return Vector.Sum(a + b + c + d);
    }
}
