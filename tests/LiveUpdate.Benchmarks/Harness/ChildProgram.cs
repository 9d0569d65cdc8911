using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// How the benchmarks run the programs around what they measure: a .NET program of the repository (an apphost directly,
/// a dll with <c>dotnet</c>), and set-up tools run to completion.
/// </summary>
internal static class ChildProgram
{
    /// <summary>The command line that runs <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> CommandOf(string path) =>
        path.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", path] : [path];

    /// <summary>The full path <paramref name="variable"/> names (another build to measure), or null when it is unset.</summary>
    public static string? FromVariable(string variable) =>
        Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } chosen ? null
        : File.Exists(chosen) ? Path.GetFullPath(chosen)
        : throw new InvalidOperationException($"{variable}={chosen} does not exist");

    /// <summary>Runs <paramref name="program"/> to its end and returns its stdout; throws with its output when it fails.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {stdout}{stderr.Result}");
    }
}
