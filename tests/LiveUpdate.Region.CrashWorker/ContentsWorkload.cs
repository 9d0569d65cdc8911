using System.Buffers.Binary;
using System.Globalization;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// The contents crash workload: replaces the contents of DEVICE_STATE file <see cref="Path"/> (made by the test) again
/// and again with a version of <see cref="Contents"/>, appended in odd chunk sizes. Lines: <c>BEGIN seq replace VERSION</c>,
/// then <c>DONE seq replace VERSION</c>. After a kill the file must hold exactly the last version done or the one begun.
/// </summary>
public sealed class ContentsWorkload
{
    /// <summary>The replaced file.</summary>
    public const string Path = "/contents";

    private const int MaxSize = 3 << 20;

    private readonly PersistentRegion _region;
    private readonly ReportWriter _report;
    private readonly int _seed;
    private readonly int _operations;

    internal ContentsWorkload(PersistentRegion region, ReportWriter report, int seed, int operations)
    {
        _region = region;
        _report = report;
        _seed = seed;
        _operations = operations;
    }

    /// <summary>
    /// The bytes of <paramref name="version"/>: its number in the first 8 bytes, then a pattern of it, 8 bytes to 3 MiB
    /// in all (the size follows from the version, so a mix of two versions shows in the size or the bytes).
    /// </summary>
    public static byte[] Contents(long version)
    {
        var bytes = new byte[8 + (int)((ulong)(version * 2654435761L) % MaxSize)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, version);
        for (var i = 8; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((version * 31) + (i * 7) + (i >> 12));
        }

        return bytes;
    }

    /// <summary>Runs the replacements.</summary>
    public void Run()
    {
        var random = new Random(_seed);
        for (var sequence = 0; sequence < _operations; sequence++)
        {
            var version = random.NextInt64(1, long.MaxValue);
            var text = string.Create(CultureInfo.InvariantCulture, $"{sequence} replace {version}");
            _report.Write(ReportLine.FormatText(ReportTag.Begin, text));
            var contents = Contents(version);
            using (var replacement = _region.BeginContentsReplacement(Path))
            {
                var chunk = random.Next(1, 200_000);
                for (var offset = 0; offset < contents.Length; offset += chunk)
                {
                    replacement.Append(contents.AsSpan(offset, Math.Min(chunk, contents.Length - offset)));
                }

                replacement.Commit();
            }

            _report.Write(ReportLine.FormatText(ReportTag.Done, text));
        }
    }
}
