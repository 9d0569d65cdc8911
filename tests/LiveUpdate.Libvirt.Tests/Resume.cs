namespace LiveUpdate.Libvirt.Tests;

/// <summary>What a guest that went on where it was shows on its serial port, and what the agent logs about it.</summary>
internal static class Resume
{
    /// <summary>The agent's line for a managed save it took (docs/design.md §15: save_ms per domain).</summary>
    public static string SavedLine(LvtDomain domain) => $@"domain {domain.Name} \({domain.Uuid:D}\): managed-saved save_ms=\d+\.\d";

    /// <summary>The agent's line for a start from the managed save (restore_ms per domain).</summary>
    public static string RestoredLine(LvtDomain domain) => $@"domain {domain.Name} \({domain.Uuid:D}\): started from its managed save restore_ms=\d+\.\d";

    /// <summary>
    /// Waits until the guest, after <paramref name="before"/> (the serial text when it stopped), has ticked twice more and
    /// verified its pattern; asserts it never booted again: its counter goes on from <paramref name="paused"/> with the
    /// same boot id, and the whole pattern is intact.
    /// </summary>
    public static async Task AssertContinuesAsync(LvtDomain domain, string before, (int Count, string Boot) paused)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string after;
        while (!(after = domain.Serial.Text[before.Length..]).Contains("VERIFY ", StringComparison.Ordinal)
            || !after.Contains($"TICK {paused.Count + 2} ", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{domain.Name} did not go on ticking and verifying after it stopped at TICK {paused.Count}:\n{after}");
            await Task.Delay(100);
        }

        var lines = after.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("BOOT", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("VERIFY BAD", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("VERIFY OK", StringComparison.Ordinal));
        // "TICK n boot=ID"
        var ticks = lines.Where(l => l.StartsWith("TICK ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => (Count: int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), Boot: p[2]["boot=".Length..]))
            .ToList();
        Assert.Equal(paused.Count + 1, ticks[0].Count);
        Assert.All(ticks, t => Assert.Equal(paused.Boot, t.Boot));
    }
}
