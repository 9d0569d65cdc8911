using System.Globalization;

namespace LiveUpdate.Service.Configuration;

/// <summary>
/// Reads the <see cref="QuotaOverride.SectionName"/> section: one entry per uid (decimal), each with <c>Bytes</c>
/// (SIZE or N%) and/or <c>Inodes</c> (N), 0 meaning unlimited. Anything else is a failure naming the setting.
/// </summary>
internal static class QuotaOverrideBinder
{
    /// <summary>Adds the entries of <paramref name="section"/> to <paramref name="overrides"/>; adds what it refuses to <paramref name="failures"/>.</summary>
    public static void Bind(IConfigurationSection section, Dictionary<uint, QuotaOverride> overrides, List<string> failures)
    {
        foreach (var entry in section.GetChildren())
        {
            var where = $"{DaemonOptions.SectionName}:{QuotaOverride.SectionName}:{entry.Key}";
            if (!uint.TryParse(entry.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                failures.Add($"{where}: '{entry.Key}' is not a uid (decimal digits)");
                continue;
            }

            ByteQuota? bytes = null;
            long? inodes = null;
            var children = entry.GetChildren().ToList();
            if (children.Count == 0)
            {
                failures.Add($"{where}: give {QuotaOverride.BytesKey} and/or {QuotaOverride.InodesKey}");
                continue;
            }

            foreach (var setting in children)
            {
                try
                {
                    if (string.Equals(setting.Key, QuotaOverride.BytesKey, StringComparison.OrdinalIgnoreCase))
                    {
                        bytes = ByteQuota.Parse(setting.Value ?? string.Empty);
                    }
                    else if (string.Equals(setting.Key, QuotaOverride.InodesKey, StringComparison.OrdinalIgnoreCase))
                    {
                        inodes = DaemonOptionsBinder.ParseCount(setting.Value ?? string.Empty);
                    }
                    else
                    {
                        failures.Add($"{where}:{setting.Key}: unknown setting (known: {QuotaOverride.BytesKey}, {QuotaOverride.InodesKey})");
                    }
                }
                catch (FormatException ex)
                {
                    failures.Add($"{where}:{setting.Key}: {ex.Message}");
                }
            }

            overrides[uid] = new QuotaOverride(bytes, inodes);
        }
    }
}
