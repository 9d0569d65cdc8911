using System.Diagnostics;

namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>
/// Runs luctl's own entry point (<c>LiveUpdate.Cli.Luctl.RunAsync</c>, what Program.cs calls) inside the test process,
/// with stdout and stderr captured: the same parsing, help and error handling as the real binary, without a process
/// start per case. Used for the large tables of help and usage cases; the process tests cover the binary itself.
/// </summary>
public static class InProcessLuctl
{
    public static async Task<LuctlResult> RunAsync(params string[] arguments)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var stopwatch = Stopwatch.StartNew();
        int exitCode = await LiveUpdate.Cli.Luctl.RunAsync(arguments, stdout, stderr);
        return new LuctlResult(arguments, exitCode, stdout.ToString(), stderr.ToString(), stopwatch.Elapsed);
    }
}
