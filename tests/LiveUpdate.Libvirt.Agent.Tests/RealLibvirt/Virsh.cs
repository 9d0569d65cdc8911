using System.Diagnostics;

namespace LiveUpdate.Libvirt.Agent.Tests.RealLibvirt;

/// <summary>virsh against the running libvirtd (qemu:///system).</summary>
internal static class Virsh
{
    public const string Uri = "qemu:///system";

    /// <summary>Runs virsh; throws with its output unless it exits 0 (or <paramref name="check"/> is false).</summary>
    public static async Task<string> RunAsync(bool check, params string[] args)
    {
        var start = new ProcessStartInfo("virsh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Uri);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("virsh did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string output = await stdout + await stderr;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"virsh {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        }

        return output;
    }

    public static Task<string> RunAsync(params string[] args) => RunAsync(true, args);
}
