using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// <c>virsh -c qemu:///system</c> run to its end, as an operator runs it: the figures of the libvirt part of the vm
/// suite are these commands' wall times, libvirt's own connection set-up included for both paths alike.
/// </summary>
internal static class Virsh
{
    public const string Uri = "qemu:///system";

    /// <summary>Runs <c>virsh ARGUMENTS</c>; returns its stdout and its wall time in ms, or throws with its output.</summary>
    public static (string Output, double Milliseconds) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("virsh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Uri);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start virsh");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return process.ExitCode == 0
            ? (stdout, ms)
            : throw new InvalidOperationException($"virsh {string.Join(' ', arguments)} exited {process.ExitCode}: {stdout.Trim()} {stderr.Result.Trim()}");
    }

    /// <summary>Runs <c>virsh ARGUMENTS</c> for cleaning up: failures (a domain already gone) are ignored.</summary>
    public static void TryRun(params string[] arguments)
    {
        try
        {
            _ = Run(arguments);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
