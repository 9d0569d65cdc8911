using System.Text.RegularExpressions;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>The guest's serial port, written by QEMU to a file (-serial file:PATH; a new QEMU starts it afresh).</summary>
internal sealed partial class SerialLog(string path)
{
    public string Path { get; } = path;

    public string Text => File.Exists(Path) ? File.ReadAllText(Path).Replace("\r", string.Empty, StringComparison.Ordinal) : string.Empty;

    public IReadOnlyList<string> Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every TICK line: its count and the boot id.</summary>
    public IReadOnlyList<(int Count, string Boot)> Ticks =>
        [.. Lines.Select(l => TickLine().Match(l)).Where(m => m.Success).Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value))];

    /// <summary>Waits (polling every 50 ms) for a line matching <paramref name="pattern"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var match = regex.Match(Text);
            if (match.Success)
            {
                return match.Value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no serial line /{pattern}/ in {Path}:\n{Text}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"^TICK (\d+) boot=([0-9a-f]+)")]
    private static partial Regex TickLine();
}
