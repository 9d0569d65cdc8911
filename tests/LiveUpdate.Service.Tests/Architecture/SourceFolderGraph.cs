using System.Text;
using System.Text.RegularExpressions;

namespace LiveUpdate.Service.Tests.Architecture;

/// <summary>
/// The daemon's folders and what each one's source refers to, read from the source itself: <c>using</c> directives, names
/// qualified with <c>LiveUpdate.Service.Folder</c>, and names qualified with a folder's namespace alone
/// (<c>Regions.RegionHost</c>, which the parent namespace makes legal). Comments and string literals are ignored. Besides the
/// daemon's folders, two outside targets are tracked: <see cref="Grpc"/> (Grpc.*, Google.Protobuf) and
/// <see cref="Protocol"/> (the generated <c>LiveUpdate.Protocol.V1</c> types).
/// </summary>
internal sealed partial class SourceFolderGraph
{
    /// <summary>The target that stands for the gRPC libraries.</summary>
    public const string Grpc = "{gRPC}";

    /// <summary>The target that stands for the generated liveupdate.v1 types.</summary>
    public const string Protocol = "{liveupdate.v1}";

    /// <summary>The folder name of the files at the project's root (Program.cs).</summary>
    public const string Root = "(root)";

    private SourceFolderGraph(IReadOnlyDictionary<string, SortedSet<string>> edges, IReadOnlyList<string> misplaced)
    {
        Edges = edges;
        Misplaced = misplaced;
    }

    /// <summary>Each folder and the folders (and outside targets) its source refers to.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Edges { get; }

    /// <summary>Files whose namespace is not their folder's (which would make the graph miss what they refer to).</summary>
    public IReadOnlyList<string> Misplaced { get; }

    /// <summary>The daemon's project directory in this checkout.</summary>
    public static string DaemonSourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveUpdate.sln")))
            {
                return Path.Combine(dir.FullName, "service", "LiveUpdate.Service");
            }
        }

        throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Reads every .cs file under <paramref name="projectDirectory"/> (bin/ and obj/ aside) except those of the folders
    /// in <paramref name="excluded"/>.
    /// </summary>
    public static SourceFolderGraph Read(string projectDirectory, IReadOnlySet<string> excluded)
    {
        var files = new Dictionary<string, List<(string Path, string Code)>>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(projectDirectory, path);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            var folder = parts.Length == 1 ? Root : parts[0];
            if (folder is "bin" or "obj" || excluded.Contains(folder))
            {
                continue;
            }

            if (!files.TryGetValue(folder, out var list))
            {
                files[folder] = list = [];
            }

            list.Add((relative, WithoutCommentsAndStrings(File.ReadAllText(path))));
        }

        var declared = files.ToDictionary(
            f => f.Key,
            f => f.Value.SelectMany(file => TypeDeclaration().Matches(file.Code).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        var edges = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var misplaced = new List<string>();
        foreach (var (folder, list) in files)
        {
            var targets = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (path, code) in list)
            {
                if (folder != Root && NamespaceDeclaration().Match(code) is { Success: true } ns && ns.Groups[1].Value != "LiveUpdate.Service." + folder)
                {
                    misplaced.Add($"{path} (namespace {ns.Groups[1].Value})");
                }

                foreach (Match m in QualifiedFolder().Matches(code))
                {
                    targets.Add(m.Groups[1].Value);
                }

                foreach (var (other, types) in declared)
                {
                    if (other != Root && types.Count > 0 && Regex.IsMatch(code, $@"(?<![\w.]){Regex.Escape(other)}\.({string.Join('|', types)})\b"))
                    {
                        targets.Add(other);
                    }
                }

                if (GrpcName().IsMatch(code))
                {
                    targets.Add(Grpc);
                }

                if (code.Contains("LiveUpdate.Protocol.V1", StringComparison.Ordinal))
                {
                    targets.Add(Protocol);
                }
            }

            targets.Remove(folder);
            targets.RemoveWhere(t => t != Grpc && t != Protocol && !files.ContainsKey(t) && !excluded.Contains(t));
            edges[folder] = targets;
        }

        return new SourceFolderGraph(edges, misplaced);
    }

    /// <summary>A cycle between folders (the first found, as a path that ends where it starts), or null.</summary>
    public IReadOnlyList<string>? FindCycle()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        foreach (var start in Edges.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string folder)
        {
            if (state.GetValueOrDefault(folder) == 2)
            {
                return null;
            }

            if (state.GetValueOrDefault(folder) == 1)
            {
                return [.. path.Skip(path.IndexOf(folder)), folder];
            }

            state[folder] = 1;
            path.Add(folder);
            foreach (var next in Edges.GetValueOrDefault(folder) ?? [])
            {
                if (Edges.ContainsKey(next) && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[folder] = 2;
            return null;
        }
    }

    /// <summary>One line per folder: "Folder -> A, B".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (folder, targets) in Edges.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(folder).Append(" -> ").AppendJoin(", ", targets).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The code with comments, string and character literals blanked (so prose never counts as a reference).</summary>
    private static string WithoutCommentsAndStrings(string code) => CommentOrLiteral().Replace(code, m => m.Value.StartsWith("//", StringComparison.Ordinal) ? string.Empty : " ");

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)+'", RegexOptions.Singleline)]
    private static partial Regex CommentOrLiteral();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\bLiveUpdate\.Service\.(\w+)")]
    private static partial Regex QualifiedFolder();

    [GeneratedRegex(@"\bGrpc\.|\bGoogle\.Protobuf\b")]
    private static partial Regex GrpcName();
}
