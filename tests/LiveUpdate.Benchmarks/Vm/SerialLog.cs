using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// A guest's COM1 output, which QEMU appends to a file (<c>-chardev file,append=on</c>: one file across every QEMU
/// that runs the VM). The tickguest prints <c>TICK n boot=ID</c> once a second and <c>VERIFY OK|BAD</c> every five
/// ticks; a guest resumed with its RAM in place goes on counting with the same boot id.
/// </summary>
internal sealed partial class SerialLog(string path)
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(2);

    /// <summary>One TICK line: the guest's count and its boot id.</summary>
    public sealed record Tick(long Count, string BootId);

    public string Path { get; } = path;

    /// <summary>Bytes written so far (0 before QEMU created the file).</summary>
    public long Length => File.Exists(Path) ? new FileInfo(Path).Length : 0;

    /// <summary>The last TICK written, or null.</summary>
    public Tick? LastTick() =>
        File.Exists(Path) ? File.ReadLines(Path).Select(ReadTick).LastOrDefault(tick => tick is not null) : null;

    /// <summary>
    /// Reads the file from <paramref name="offset"/> as it grows (every 2 ms) until a whole TICK line has arrived, and
    /// returns it with the Stopwatch timestamp of the read that brought it. Throws on a VERIFY BAD line (the guest's
    /// memory is not what it wrote), when <paramref name="stopped"/> returns an error (the VM's supervisor is gone), or
    /// after <paramref name="timeout"/>.
    /// </summary>
    public async Task<(long Timestamp, Tick Tick)> NextTickAsync(long offset, TimeSpan timeout, Func<Exception?> stopped)
    {
        var started = Stopwatch.GetTimestamp();
        var buffer = new byte[4096];
        var pending = new StringBuilder();
        FileStream? stream = null;
        try
        {
            while (true)
            {
                stream ??= OpenAt(offset);
                int read;
                while (stream is not null && (read = stream.Read(buffer)) > 0)
                {
                    var arrived = Stopwatch.GetTimestamp();
                    pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    if (TakeTick(pending) is { } tick)
                    {
                        return (arrived, tick);
                    }
                }

                if (stopped() is { } error)
                {
                    throw error;
                }

                if (Stopwatch.GetElapsedTime(started) > timeout)
                {
                    throw new InvalidOperationException($"the guest printed no TICK within {timeout.TotalSeconds:F0} s ({Path}, from byte {offset})");
                }

                await Task.Delay(s_poll).ConfigureAwait(false);
            }
        }
        finally
        {
            stream?.Dispose();
        }
    }

    private FileStream? OpenAt(long offset)
    {
        try
        {
            var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            stream.Seek(offset, SeekOrigin.Begin);
            return stream;
        }
        catch (FileNotFoundException)
        {
            return null; // QEMU has not created it yet
        }
    }

    /// <summary>Consumes the whole lines of <paramref name="pending"/> up to the first TICK; a VERIFY BAD line throws.</summary>
    private Tick? TakeTick(StringBuilder pending)
    {
        var text = pending.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0)
        {
            return null;
        }

        pending.Remove(0, end + 1);
        foreach (var line in text[..end].Split('\n'))
        {
            if (line.StartsWith("VERIFY BAD", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the guest found its memory changed: {line.TrimEnd('\r')} ({Path})");
            }

            if (ReadTick(line) is { } tick)
            {
                return tick;
            }
        }

        return null;
    }

    private static Tick? ReadTick(string line) =>
        TickPattern().Match(line) is { Success: true } m
            ? new Tick(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)
            : null;

    [GeneratedRegex(@"^TICK ([0-9]+) boot=([0-9a-f]+)\r?$", RegexOptions.CultureInvariant)]
    private static partial Regex TickPattern();
}
