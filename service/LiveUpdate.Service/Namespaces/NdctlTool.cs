using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Region;

namespace LiveUpdate.Service.Namespaces;

/// <summary>
/// Runs Debian's <c>ndctl</c> (package ndctl) for the two operations that write namespace labels: create-namespace and
/// destroy-namespace. The CLI rather than libndctl, because a namespace is made or destroyed once per guest-memory file,
/// and the kernel's own work (~0.15 s per create under ramdax) dominates the ~ms a process costs; because ndctl follows
/// the kernel's label and sysfs ABI changes release by release, which a binding of our own would have to track; and
/// because libndctl's ABI is large (hundreds of functions, opaque structs) for the two calls needed. Everything else is
/// read from sysfs directly (<see cref="NamespaceSysfs"/>).
/// </summary>
internal sealed class NdctlTool(string executable)
{
    /// <summary>How long one ndctl run may take before it is killed (a create under TCG takes well under a second).</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>The executable that runs, for messages.</summary>
    public string Executable { get; } = executable;

    /// <summary>
    /// <c>ndctl create-namespace -r REGION -m devdax -M dev -a 2M -s SIZE -n NAME</c>: a devdax namespace with its struct
    /// pages on the device (what <see cref="NamespaceSizing"/> assumes). Returns what ndctl printed about it.
    /// </summary>
    public NdctlJson.Namespace CreateDevDax(string region, string name, long size)
    {
        string[] arguments = ["create-namespace", "-r", region, "-m", "devdax", "-M", "dev", "-a", "2M",
            "-s", size.ToString(CultureInfo.InvariantCulture), "-n", name];
        var output = Run(arguments);
        var created = NdctlJson.Parse(output, Describe(arguments));
        return created.Count == 1
            ? created[0]
            : throw new RegionException(RegionError.Io, $"{Describe(arguments)} described {created.Count} namespaces, not the one it created");
    }

    /// <summary><c>ndctl destroy-namespace -f -r REGION NAMESPACE</c> (the namespace's nd device name, e.g. namespace0.1).</summary>
    public void Destroy(string region, string device) => Run(["destroy-namespace", "-f", "-r", region, device]);

    private string Run(string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new RegionException(RegionError.Io, $"{Describe(arguments)} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new RegionException(RegionError.Io,
                $"cannot run {Executable} ({ex.Message}): the namespaces backend needs Debian's ndctl package (apt-get install ndctl)", ex);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill();
                throw new RegionException(RegionError.Io, $"{Describe(arguments)} did not finish within {s_timeout.TotalSeconds} s and was killed");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var message = error.Result.Trim().ReplaceLineEndings("; ");
                throw new RegionException(RegionError.Io,
                    $"{Describe(arguments)} failed (exit {process.ExitCode}): {(message.Length == 0 ? "no message" : message)}");
            }

            return output.Result;
        }
    }

    private string Describe(string[] arguments) => $"{Path.GetFileName(Executable)} {string.Join(' ', arguments)}";
}
