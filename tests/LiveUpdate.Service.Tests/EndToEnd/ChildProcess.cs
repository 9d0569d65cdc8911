using System.Diagnostics;
using System.Globalization;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>Who a child process runs as: setpriv sets real and effective uid and gid and the supplementary groups.</summary>
/// <param name="Uid">The uid.</param>
/// <param name="Gid">The primary gid.</param>
/// <param name="Groups">Supplementary groups; none when empty.</param>
internal sealed record RunAs(uint Uid, uint Gid, params uint[] Groups)
{
    /// <summary>uid 65534 (nobody) with gid 65534 (nogroup), the group of the test daemons' socket directories.</summary>
    public static RunAs Nobody { get; } = new(RunningDaemon.NobodyUid, RunningDaemon.NobodyUid);

    /// <summary>uid 65534 in a group of its own that is not the socket directory's (4242, which no name owns).</summary>
    public static RunAs NobodyOutsideTheSocketGroup { get; } = new(RunningDaemon.NobodyUid, 4242);

    /// <summary>setpriv's options for this identity.</summary>
    public IEnumerable<string> SetprivArguments()
    {
        yield return "--reuid=" + Uid.ToString(CultureInfo.InvariantCulture);
        yield return "--regid=" + Gid.ToString(CultureInfo.InvariantCulture);
        yield return Groups.Length == 0 ? "--clear-groups" : "--groups=" + string.Join(',', Groups.Select(g => g.ToString(CultureInfo.InvariantCulture)));
    }
}

/// <summary>The result of a child process that ran to its end.</summary>
internal sealed record ChildResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs short-lived helper processes (python3, the C# test peer), optionally as another uid through setpriv.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> to its end (killed after <paramref name="timeout"/>).</summary>
    public static async Task<ChildResult> RunAsync(
        string file, IEnumerable<string> args, RunAs? user = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(user is null ? file : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Another uid may not be able to enter the test's working directory (a checkout under /root, say).
            WorkingDirectory = "/",
        };
        if (user is not null)
        {
            foreach (var arg in user.SetprivArguments())
            {
                start.ArgumentList.Add(arg);
            }

            start.ArgumentList.Add("--");
            start.ArgumentList.Add(file);
            start.Environment["HOME"] = "/tmp";
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time; stderr: {await stderr}");
        }

        return new ChildResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }
}
