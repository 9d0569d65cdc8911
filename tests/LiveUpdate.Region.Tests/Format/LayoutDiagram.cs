using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LiveUpdate.Region.Tests.Format;

/// <summary>
/// Reads the ASCII layout diagram of an on-region record from the engine's generated XML documentation
/// (the <c>&lt;code&gt;</c> block of the type's summary), so that tests compare the struct with what its doc says.
/// </summary>
internal static partial class LayoutDiagram
{
    private static readonly Lazy<XDocument> s_docs = new(() =>
        XDocument.Load(Path.Combine(AppContext.BaseDirectory, "LiveUpdate.Region.xml")));

    /// <summary>The raw diagram text of <paramref name="type"/>.</summary>
    public static string TextOf(Type type)
    {
        var member = s_docs.Value.Descendants("member").Single(m => (string?)m.Attribute("name") == "T:" + type.FullName);
        return member.Descendants("code").Single().Value;
    }

    /// <summary>
    /// The diagram's entries: "0 magic "LUIN" | 4 kind | ..." gives (0, "magic \"LUIN\""), (4, "kind"), ...
    /// A line that starts with a section name ("header (32): ...") is read after its colon.
    /// </summary>
    public static IReadOnlyList<(int Offset, string Label)> EntriesOf(string diagram)
    {
        var entries = new List<(int, string)>();
        foreach (var rawLine in diagram.Split('\n'))
        {
            var line = rawLine;
            var colon = SectionPrefix().Match(line);
            if (colon.Success)
            {
                line = line[colon.Length..];
            }

            foreach (var cell in line.Split('|'))
            {
                var match = Entry().Match(cell.Trim());
                if (match.Success)
                {
                    entries.Add((int.Parse(match.Groups[1].Value), match.Groups[2].Value.Trim()));
                }
            }
        }

        return entries;
    }

    /// <summary>The entries of <paramref name="type"/>'s diagram.</summary>
    public static IReadOnlyList<(int Offset, string Label)> EntriesOf(Type type) => EntriesOf(TextOf(type));

    [GeneratedRegex(@"^\s*[a-z]+\s*\([^)]*\):")]
    private static partial Regex SectionPrefix();

    [GeneratedRegex(@"^(\d+)(?:\.\.\d+)?\s+(.+)$")]
    private static partial Regex Entry();
}
