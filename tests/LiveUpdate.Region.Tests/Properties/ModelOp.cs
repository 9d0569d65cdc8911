using System.Text;

namespace LiveUpdate.Region.Tests.Properties;

/// <summary>One step of a generated sequence, run against both the region and <see cref="RegionModel"/>.</summary>
public abstract record ModelOp
{
    public static readonly Guid[] Vms = [Guid.Empty, Guid.Parse("11111111-2222-3333-4444-555555555555"), Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")];

    public static readonly uint[] Owners = [0, 1000, 1001];

    /// <summary>A path or name shown readably: control characters and lone surrogates escaped, long runs shortened.</summary>
    public static string Show(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        var builder = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var run = 1;
            while (i + run < text.Length && text[i + run] == c)
            {
                run++;
            }

            var shown = char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString();
            if (run > 4)
            {
                builder.Append($"{shown}×{run}");
                i += run - 1;
            }
            else
            {
                builder.Append(shown);
            }
        }

        return builder.Append('"').ToString();
    }

    public sealed record MakeDirectory(string Path) : ModelOp
    {
        public override string ToString() => $"MakeDirectory({Show(Path)})";
    }

    public sealed record CreateFile(string Path, FileKind Kind, long Size, int Vm, int Owner) : ModelOp
    {
        public override string ToString() => $"CreateFile({Show(Path)}, {Kind}, {Size}, vm {Vm}, owner {Owners[Owner]})";
    }

    public sealed record Resize(string Path, long Size) : ModelOp
    {
        public override string ToString() => $"Resize({Show(Path)}, {Size})";
    }

    public sealed record Rename(string From, string To) : ModelOp
    {
        public override string ToString() => $"Rename({Show(From)}, {Show(To)})";
    }

    public sealed record Remove(string Path) : ModelOp
    {
        public override string ToString() => $"Remove({Show(Path)})";
    }

    public sealed record Reattach : ModelOp
    {
        public override string ToString() => "Reattach()";
    }
}
