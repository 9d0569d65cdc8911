using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// A program of the repository a suite starts as a child process: the build found by a locator (installed or built on
/// first use), or the one an environment variable names instead; an apphost runs directly, a dll with <c>dotnet</c>.
/// Also runs set-up tools to completion (<see cref="Run"/>).
/// </summary>
internal sealed class ChildProgram(string overrideVariable, Func<string> locate)
{
    private readonly Lazy<string> _path = new(() => FromVariable(overrideVariable) ?? locate());

    /// <summary>The environment variable that points the benchmarks at another build.</summary>
    public string OverrideVariable { get; } = overrideVariable;

    /// <summary>The apphost or dll; located (installed, if need be) on first use.</summary>
    public string Path => _path.Value;

    /// <summary>The command line that starts it (the apphost itself, or <c>dotnet</c> and the dll).</summary>
    public IReadOnlyList<string> Command => Path.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", Path] : [Path];

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

    private static string? FromVariable(string variable) =>
        Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } chosen ? null
        : File.Exists(chosen) ? System.IO.Path.GetFullPath(chosen)
        : throw new InvalidOperationException($"{variable}={chosen} does not exist");
}
