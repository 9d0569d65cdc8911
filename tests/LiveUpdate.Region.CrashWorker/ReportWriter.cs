using System.Text;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// Writes report lines to stdout with no buffering anywhere in the process: each line is encoded into one
/// array and handed to the raw stdout stream (Console.OpenStandardOutput, a thin wrapper over write(2)) in a
/// single write, then flushed. Once <see cref="Write"/> returns, the line is in the pipe — the kernel's, not
/// ours — so a SIGKILL an instant later cannot lose it. Lines are capped well below PIPE_BUF (4096 bytes),
/// so each write into the pipe is atomic and the reader never sees half a line from a killed writer.
/// </summary>
internal sealed class ReportWriter : IDisposable
{
    private const int MaxLineBytes = 3072;

    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly byte[] _buffer = new byte[MaxLineBytes + 1];

    /// <summary>Writes one line (truncated to <see cref="MaxLineBytes"/> bytes) and returns once it is in the pipe.</summary>
    public void Write(string line)
    {
        var length = Encoding.UTF8.GetByteCount(line) <= MaxLineBytes
            ? Encoding.UTF8.GetBytes(line, _buffer)
            : Encoding.UTF8.GetBytes(line.AsSpan(0, MaxLineBytes / 4), _buffer);
        _buffer[length] = (byte)'\n';
        _stdout.Write(_buffer, 0, length + 1);
        _stdout.Flush();
    }

    public void Dispose() => _stdout.Dispose();
}
