using Xunit.Abstractions;

namespace LiveUpdate.Service.Tests.Architecture;

/// <summary>
/// The daemon's folders are layers (docs/design.md §2): Api (gRPC services, proto mapping, status codes) over the
/// domain components (lifecycle, hand-out, inventory, authorization, region ownership) over the engine, with the
/// composition root (Hosting, Program.cs) on top. Read from the source, so a new <c>using</c> that breaks a layer fails here.
/// Run with <c>--logger "console;verbosity=detailed"</c> to see the graph.
/// </summary>
public sealed class LayeringTests(ITestOutputHelper output)
{
    /// <summary>
    /// Each folder's layer: a folder may refer only to folders of lower layers. Interop is the native layer, shared with
    /// the other projects and owned by none of these folders: every layer may call it, and it is not part of this graph.
    /// </summary>
    private static readonly Dictionary<string, int> s_layers = new(StringComparer.Ordinal)
    {
        ["Errors"] = 0,
        ["Configuration"] = 0,
        ["Observability"] = 1,
        ["Namespaces"] = 2,
        ["Regions"] = 3,
        ["Sockets"] = 3,
        ["Security"] = 3,
        ["Inventory"] = 3,
        ["Handout"] = 4,
        ["Lifecycle"] = 5,
        ["Api"] = 6,
        ["Hosting"] = 7,
        [SourceFolderGraph.Root] = 8,
    };

    private static readonly HashSet<string> s_nativeLayer = new(StringComparer.Ordinal) { "Interop" };

    private static SourceFolderGraph Graph() => SourceFolderGraph.Read(SourceFolderGraph.DaemonSourceDirectory(), s_nativeLayer);

    [Fact]
    public void Folders_FormNoCycle()
    {
        var graph = Graph();
        output.WriteLine(graph.ToString());
        Assert.True(graph.Edges.Count >= 8, $"too few folders read:\n{graph}");
        var cycle = graph.FindCycle();
        Assert.True(cycle is null, $"cycle: {string.Join(" -> ", cycle ?? [])}\n{graph}");
    }

    [Fact]
    public void OnlyApi_RefersToGrpcOrTheGeneratedProtocolTypes()
    {
        var graph = Graph();
        var offenders = graph.Edges
            .Where(e => e.Key != "Api" && (e.Value.Contains(SourceFolderGraph.Grpc) || e.Value.Contains(SourceFolderGraph.Protocol)))
            .Select(e => e.Key)
            .ToList();
        Assert.True(offenders.Count == 0, $"outside Api, gRPC or liveupdate.v1 types in: {string.Join(", ", offenders)}\n{graph}");
        Assert.Contains(SourceFolderGraph.Grpc, graph.Edges["Api"]);
    }

    [Fact]
    public void EachFolder_RefersOnlyToLowerLayers()
    {
        var graph = Graph();
        var unknown = graph.Edges.Keys.Where(f => !s_layers.ContainsKey(f)).ToList();
        Assert.True(unknown.Count == 0, $"folders without a layer (add them to s_layers): {string.Join(", ", unknown)}");
        var upward = new List<string>();
        foreach (var (folder, targets) in graph.Edges)
        {
            foreach (var target in targets)
            {
                if (s_layers.TryGetValue(target, out var layer) && layer >= s_layers[folder])
                {
                    upward.Add($"{folder} -> {target}");
                }
            }
        }

        Assert.True(upward.Count == 0, $"references to the same or a higher layer: {string.Join("; ", upward)}\n{graph}");
    }

    [Fact]
    public void EachFile_IsInItsFoldersNamespace() =>
        Assert.True(Graph().Misplaced.Count == 0, $"files outside their folder's namespace: {string.Join(", ", Graph().Misplaced)}");

    [Fact]
    public void TheGraphReader_SeesEachKindOfReference()
    {
        // The reader itself, on a small tree: a using, a fully qualified name, a name qualified by its folder alone, and
        // prose that must not count.
        var root = Directory.CreateTempSubdirectory("layering-").FullName;
        try
        {
            Write(root, "A/A1.cs", "using LiveUpdate.Service.B;\nnamespace LiveUpdate.Service.A;\ninternal sealed class A1 { }\n");
            Write(root, "B/B1.cs", "namespace LiveUpdate.Service.B;\ninternal sealed class B1 { C.C1? _c; }\n");
            Write(root, "C/C1.cs", "namespace LiveUpdate.Service.C;\n// LiveUpdate.Service.A in a comment\ninternal sealed class C1 { string s = \"LiveUpdate.Service.A\"; Grpc.Core.Status? x; }\n");
            Write(root, "D/D1.cs", "namespace LiveUpdate.Service.D;\ninternal sealed class D1 { LiveUpdate.Service.A.A1? a; }\n");
            var graph = SourceFolderGraph.Read(root, new HashSet<string>());
            Assert.Equal(["B"], graph.Edges["A"]);
            Assert.Equal(["C"], graph.Edges["B"]);
            Assert.Equal([SourceFolderGraph.Grpc], graph.Edges["C"]);
            Assert.Equal(["A"], graph.Edges["D"]);
            Assert.Null(graph.FindCycle());

            Write(root, "C/C2.cs", "using LiveUpdate.Service.A;\nnamespace LiveUpdate.Service.C;\ninternal sealed class C2 { }\n");
            Assert.Equal(["A", "B", "C", "A"], SourceFolderGraph.Read(root, new HashSet<string>()).FindCycle());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Write(string root, string relative, string code)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, code);
    }
}
