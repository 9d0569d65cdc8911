using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// A child process's output (stdout and stderr, read through pipes), line by line, each line stamped with the Stopwatch as
/// it arrived: for timelines told by log lines. Appended from the output readers' threads, read from any thread.
/// </summary>
internal sealed class TimestampedLines
{
    private readonly List<(long Timestamp, string Line)> _lines = [];

    /// <summary>The lines so far, in arrival order.</summary>
    public IReadOnlyList<(long Timestamp, string Line)> Snapshot()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    /// <summary>Collects <paramref name="process"/>'s stdout and stderr (both redirected); call before starting it.</summary>
    public void Capture(Process process)
    {
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>The first line <paramref name="read"/> gives a value for, with its arrival timestamp; null when none has.</summary>
    public (long Timestamp, T Value)? First<T>(Func<string, T?> read)
        where T : class
    {
        lock (_lines)
        {
            foreach (var (timestamp, line) in _lines)
            {
                if (read(line) is { } value)
                {
                    return (timestamp, value);
                }
            }
        }

        return null;
    }

    /// <summary>The last <paramref name="count"/> lines, for error messages.</summary>
    public string Tail(int count) => string.Join('\n', Snapshot().TakeLast(count).Select(line => line.Line));

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_lines)
        {
            _lines.Add((now, line));
        }
    }
}
