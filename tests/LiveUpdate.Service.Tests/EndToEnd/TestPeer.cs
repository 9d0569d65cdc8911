using System.Reflection;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>One command's outcome as tests/LiveUpdate.TestPeer prints it.</summary>
/// <param name="Result">OK, or the client's error kind (LiveUpdateError: PermissionDenied, …); a status code for "token".</param>
/// <param name="Detail">What succeeded, or the error message.</param>
internal sealed record PeerOutcome(string Result, string Detail);

/// <summary>
/// Runs tests/LiveUpdate.TestPeer (LiveUpdate.Client in a process of its own) as another uid. Its build output is copied
/// once per test run into a fresh directory under /tmp, mode 0755, because another uid may not be able to read the
/// checkout (e.g. under /root).
/// </summary>
internal static class TestPeer
{
    private static readonly Lazy<string> s_dll = new(CopyOutput);

    /// <summary>Runs <paramref name="commands"/> (one per line of output) against the daemon whose sockets are in <paramref name="socketDirectory"/>.</summary>
    public static async Task<IReadOnlyList<PeerOutcome>> RunAsync(RunAs user, string socketDirectory, params string[] commands)
    {
        var environment = new Dictionary<string, string>
        {
            ["LIVEUPDATE_SOCKET_DIR"] = socketDirectory,
            ["DOTNET_CLI_HOME"] = "/tmp",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        var result = await ChildProcess.RunAsync("dotnet", [s_dll.Value, .. commands], user, environment, TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, $"the test peer failed ({result.ExitCode}): {result.Stderr}\n{result.Stdout}");
        var outcomes = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Select(parts => new PeerOutcome(parts[0], parts.Length > 1 ? parts[1] : string.Empty))
            .ToList();
        Assert.True(outcomes.Count == commands.Length, $"expected {commands.Length} results, got:\n{result.Stdout}\n{result.Stderr}");
        return outcomes;
    }

    private static string CopyOutput()
    {
        var configuration = typeof(TestPeer).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var solution = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(solution.FullName, "LiveUpdate.sln")))
        {
            solution = solution.Parent ?? throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
        }

        var source = Path.Combine(solution.FullName, "tests", "LiveUpdate.TestPeer", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(source, "LiveUpdate.TestPeer.dll")), $"the test peer is not built in {source}");

        const UnixFileMode Directory0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode File0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var target = Path.Combine(Path.GetTempPath(), $"lu-testpeer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target, Directory0755);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!, Directory0755);
            File.Copy(file, destination);
            File.SetUnixFileMode(destination, File0644);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(target, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return Path.Combine(target, "LiveUpdate.TestPeer.dll");
    }
}
