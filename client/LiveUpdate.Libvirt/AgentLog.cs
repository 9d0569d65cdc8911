using System.Globalization;

namespace LiveUpdate.Libvirt;

/// <summary>
/// The agent's lines on stderr (the journal), each "liveupdate-libvirt: …". The per-domain save and restore lines
/// have fixed shapes the benchmark and tests parse ("save_ms=12.3", "restore_ms=45.6"): keep them as they are.
/// </summary>
internal sealed class AgentLog(TextWriter output)
{
    /// <summary>Any line.</summary>
    public void Line(string text)
    {
        lock (output)
        {
            output.WriteLine($"liveupdate-libvirt: {text}");
            output.Flush();
        }
    }

    /// <summary>A line about one domain.</summary>
    public void Domain(string name, Guid uuid, string text) => Line($"domain {name} ({uuid:D}): {text}");

    public void Saved(string name, Guid uuid, TimeSpan took) => Domain(name, uuid, F($"managed-saved save_ms={Ms(took)}"));

    public void Restored(string name, Guid uuid, TimeSpan took) => Domain(name, uuid, F($"started from its managed save restore_ms={Ms(took)}"));

    public void Refused(string name, Guid uuid, string reason) =>
        Domain(name, uuid, $"not started from its managed save: {reason}; the save is left for an operator (virsh managedsave-remove {name})");

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
