using System.Globalization;

namespace LiveUpdate.Qemu;

/// <summary>
/// The supervisor's lines on stderr, each "liveupdate-qemu: VM {uuid}: …". The step lines have fixed shapes that the
/// benchmark and the kexec lab parse (milliseconds with one decimal): keep them as they are.
/// </summary>
internal sealed class SupervisorLog(Guid vm, TextWriter output)
{
    /// <summary>Any line.</summary>
    public void Line(string text)
    {
        lock (output)
        {
            output.WriteLine($"liveupdate-qemu: VM {vm:D}: {text}");
            output.Flush();
        }
    }

    public void StartedFresh(TimeSpan total) => Line(F($"started fresh in {Ms(total)} ms"));

    public void Frozen(TimeSpan total, TimeSpan stop, TimeSpan save, long bytes, TimeSpan ack) =>
        Line(F($"frozen in {Ms(total)} ms (stop {Ms(stop)} ms, save {Ms(save)} ms, {bytes} bytes, ack {Ms(ack)} ms)"));

    public void Thawed(TimeSpan total) => Line(F($"thawed in {Ms(total)} ms (cont)"));

    public void Resumed(TimeSpan total, TimeSpan reclaim, TimeSpan start, TimeSpan load, TimeSpan cont) =>
        Line(F($"resumed in {Ms(total)} ms (reclaim {Ms(reclaim)} ms, start {Ms(start)} ms, load {Ms(load)} ms, cont {Ms(cont)} ms)"));

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
