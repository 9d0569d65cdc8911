using System.Globalization;
using System.Text.Json;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// EndToEnd/peer.py, the descriptor hand-out peer written in Python (Debian's python3 only: socket.recv_fds, mmap,
/// hashlib; no gRPC), run with <c>python3 -c</c> so that another uid needs no access to the test's directories.
/// </summary>
internal static class PythonPeer
{
    private static readonly Lazy<string> s_script = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "EndToEnd", "peer.py")));

    /// <summary>Runs one peer command (see peer.py) and returns the JSON object it printed.</summary>
    public static async Task<JsonElement> RunAsync(RunAs? user, params string[] args)
    {
        var result = await ChildProcess.RunAsync(Python.Interpreter, ["-c", s_script.Value, .. args], user);
        Assert.True(result.ExitCode == 0, $"peer.py {args[0]} failed ({result.ExitCode}): {result.Stderr}");
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>peer.py's EXTENTS argument: "file_offset:region_offset:length,…" in file order.</summary>
    public static string ExtentsArgument(IEnumerable<Extent> extents) =>
        string.Join(',', extents.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.FileOffset}:{e.RegionOffset}:{e.Length}")));
}
