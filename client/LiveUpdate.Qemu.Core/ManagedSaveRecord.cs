using System.Globalization;
using System.Text;

namespace LiveUpdate.Qemu.Core;

/// <summary>
/// The managed-save record (docs/design.md §15), the contents of <c>/vm/{uuid}/device-state</c> of a libvirt domain:
/// written by liveupdate-libvirt right before each managed save, read before the domain is started from it. A managed
/// save holds no guest RAM, so it may only be loaded onto the very instances of the memory files it was taken against.
/// <code>
/// liveupdate-libvirt managed-save 1
/// domain &lt;uuid&gt;
/// memory &lt;instance-id&gt;                 (or one line per node: memory-node0 &lt;id&gt;, memory-node1 &lt;id&gt;, …)
/// saved-at-unix-ms &lt;n&gt;
/// </code>
/// </summary>
/// <param name="Domain">The domain's UUID.</param>
/// <param name="Memory">Each guest-memory file's name (<c>memory</c>, <c>memory-nodeN</c>) and its instance id.</param>
/// <param name="SavedAt">When the record was written.</param>
public sealed record ManagedSaveRecord(Guid Domain, IReadOnlyDictionary<string, Guid> Memory, DateTimeOffset SavedAt)
{
    /// <summary>The first line: the format and its version.</summary>
    public const string Header = "liveupdate-libvirt managed-save 1";

    /// <summary>The largest record read (a few lines; anything bigger is not one).</summary>
    public const int MaxSize = 64 * 1024;

    /// <summary>The record as UTF-8 text, memory files in name order.</summary>
    public byte[] Encode()
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append("domain ").Append(Domain.ToString("D")).Append('\n');
        foreach (var (name, instance) in Memory.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(' ').Append(instance.ToString("D")).Append('\n');
        }

        text.Append("saved-at-unix-ms ").Append(SavedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Parses <paramref name="bytes"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ManagedSaveRecord Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            throw new FormatException("the record is empty (no managed save was recorded)");
        }

        if (bytes.Length > MaxSize)
        {
            throw new FormatException($"the record is {bytes.Length} bytes, more than a record's {MaxSize}");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("the record is not UTF-8 text");
        }

        string[] lines = text.TrimEnd('\n').Split('\n');
        if (lines[0] != Header)
        {
            throw new FormatException($"the record does not start with '{Header}'");
        }

        Guid? domain = null;
        DateTimeOffset? savedAt = null;
        var memory = new Dictionary<string, Guid>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ');
            if (parts.Length != 2)
            {
                throw new FormatException($"line {i + 1} is not 'key value': '{lines[i]}'");
            }

            string key = parts[0], value = parts[1];
            if (key == "domain" && domain is null)
            {
                domain = ParseGuid(value, i);
            }
            else if (key == "saved-at-unix-ms" && savedAt is null)
            {
                savedAt = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
                    ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                    : throw new FormatException($"line {i + 1}: '{value}' is not a time in milliseconds");
            }
            else if (IsMemoryName(key) && !memory.ContainsKey(key))
            {
                memory.Add(key, ParseGuid(value, i));
            }
            else
            {
                throw new FormatException($"line {i + 1}: unexpected or repeated '{key}'");
            }
        }

        if (domain is null || savedAt is null || memory.Count == 0)
        {
            throw new FormatException("the record lacks its domain, memory or saved-at-unix-ms line");
        }

        if (memory.ContainsKey("memory") && memory.Count > 1)
        {
            throw new FormatException("the record names both 'memory' and per-node memory files");
        }

        return new ManagedSaveRecord(domain.Value, memory, savedAt.Value);
    }

    /// <summary>
    /// Null when this record was taken for <paramref name="domain"/> against exactly the memory files
    /// <paramref name="current"/> (name → instance id); otherwise why the managed save must not be loaded.
    /// </summary>
    public string? Mismatch(Guid domain, IReadOnlyDictionary<string, Guid> current)
    {
        if (Domain != domain)
        {
            return $"the managed-save record names domain {Domain:D}, not {domain:D}";
        }

        foreach (var (name, instance) in Memory.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(name, out Guid now))
            {
                return $"/vm/{domain:D}/{name} is gone since the managed save";
            }

            if (now != instance)
            {
                return $"/vm/{domain:D}/{name} was recreated since the managed save (instance {now:D}, the save was taken against {instance:D}): the save would restore stale memory";
            }
        }

        foreach (string name in current.Keys.Order(StringComparer.Ordinal))
        {
            if (!Memory.ContainsKey(name))
            {
                return $"/vm/{domain:D}/{name} did not exist at the managed save";
            }
        }

        return null;
    }

    /// <summary>True for <c>memory</c> and <c>memory-nodeN</c>.</summary>
    public static bool IsMemoryName(string name) =>
        name == "memory" || (name.StartsWith("memory-node", StringComparison.Ordinal) && name.Length > 11 && name.Length <= 14
            && name.AsSpan(11).IndexOfAnyExceptInRange('0', '9') < 0 && (name.Length == 12 || name[11] != '0'));

    private static Guid ParseGuid(string value, int line) =>
        Guid.TryParseExact(value, "D", out Guid guid) ? guid : throw new FormatException($"line {line + 1}: '{value}' is not a UUID");
}
