using System.Globalization;
using System.Text;

namespace LiveUpdate.Qemu;

/// <summary>
/// The managed-save record (docs/design.md §15): what guest memory a libvirt managed save of a persistent domain was
/// taken against. liveupdate-libvirt writes it as the contents of <c>/vm/{uuid}/device-state</c> right before each
/// managed save; it and liveupdate-emulator read it before a restore, and refuse one whose memory file was recreated
/// since (another instance id): the save's device state would run against memory it does not describe.
/// <code>
/// liveupdate-libvirt managed-save 1
/// domain &lt;uuid&gt;
/// memory &lt;instance-id&gt;               (or one line per NUMA file: memory-node0 &lt;id&gt;, memory-node1 &lt;id&gt;)
/// saved-at-unix-ms &lt;n&gt;
/// </code>
/// </summary>
/// <param name="Domain">The domain's UUID.</param>
/// <param name="Memory">Each guest-memory file's name in <c>/vm/{uuid}/</c> ("memory", "memory-node0") and its instance id.</param>
/// <param name="SavedAtUnixMs">When the save began (Unix milliseconds).</param>
public sealed record ManagedSaveRecord(Guid Domain, IReadOnlyDictionary<string, string> Memory, long SavedAtUnixMs)
{
    /// <summary>The first line: what the file is and the format's version.</summary>
    public const string Header = "liveupdate-libvirt managed-save 1";

    /// <summary>The text of the record (UTF-8 lines, memory files in name order).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"domain {Domain:D}\n");
        foreach (var (name, instance) in Memory.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name} {instance}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"saved-at-unix-ms {SavedAtUnixMs}\n");
        return text.ToString();
    }

    /// <summary>The record's bytes as stored in the device-state file.</summary>
    public byte[] ToBytes() => Encoding.UTF8.GetBytes(Format());

    /// <summary>
    /// Reads a record. Throws <see cref="FormatException"/> saying what is wrong when <paramref name="text"/> is not one
    /// (an empty device state, QEMU's own device state, another version, a line it does not know).
    /// </summary>
    public static ManagedSaveRecord Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r') != Header)
        {
            throw new FormatException($"it is not a managed-save record (its first line is not '{Header}')");
        }

        Guid? domain = null;
        long? savedAt = null;
        var memory = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in lines.Skip(1))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string key = space < 0 ? line : line[..space];
            string value = space < 0 ? string.Empty : line[(space + 1)..];
            if (value.Length == 0)
            {
                throw new FormatException($"its line '{line}' has no value");
            }

            if (key == "domain")
            {
                domain = Guid.TryParseExact(value, "D", out var uuid) ? uuid : throw new FormatException($"its domain '{value}' is not a UUID");
            }
            else if (key == "saved-at-unix-ms")
            {
                savedAt = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
                    ? ms : throw new FormatException($"its saved-at-unix-ms '{value}' is not a number");
            }
            else if (IsMemoryFileName(key))
            {
                if (!memory.TryAdd(key, value))
                {
                    throw new FormatException($"it names {key} twice");
                }
            }
            else
            {
                throw new FormatException($"its line '{line}' is not one the format has");
            }
        }

        if (domain is null || savedAt is null || memory.Count == 0)
        {
            throw new FormatException("it lacks the domain, a memory line or saved-at-unix-ms");
        }

        return new ManagedSaveRecord(domain.Value, memory, savedAt.Value);
    }

    /// <summary>Reads a record from the device-state file's bytes (UTF-8); see <see cref="Parse(string)"/>.</summary>
    public static ManagedSaveRecord Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("it is not a managed-save record (not UTF-8 text)");
        }
    }

    /// <summary>
    /// Why a restore of <paramref name="domain"/> with the memory files <paramref name="current"/> (name → instance id,
    /// as the daemon reports them now) must not load this save, or null when it may: another domain, a file the save did
    /// not know or that is gone, or a file recreated since the save.
    /// </summary>
    public string? Mismatch(Guid domain, IReadOnlyDictionary<string, string> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (domain != Domain)
        {
            return $"the managed save was taken for domain {Domain:D}, not {domain:D}";
        }

        foreach (var (name, instance) in Memory.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(name, out string? now))
            {
                return $"the managed save was taken with /vm/{domain:D}/{name}, which is gone";
            }

            if (now != instance)
            {
                return $"the managed save was taken against another instance of /vm/{domain:D}/{name} (instance {instance}, now {now}: the file was recreated, so the save's memory is gone)";
            }
        }

        string? extra = current.Keys.Order(StringComparer.Ordinal).FirstOrDefault(k => !Memory.ContainsKey(k));
        return extra is null ? null : $"the managed save does not know /vm/{domain:D}/{extra} (the domain's memory layout changed since)";
    }

    /// <summary>Whether <paramref name="name"/> is a guest-memory file's name: "memory" or "memory-nodeN".</summary>
    public static bool IsMemoryFileName(string name) => name == "memory"
        || (name.StartsWith("memory-node", StringComparison.Ordinal) && name.Length > "memory-node".Length
            && !name.AsSpan("memory-node".Length).ContainsAnyExceptInRange('0', '9'));
}
