using System.Diagnostics;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>
/// The test guest (tests/guests/tickguest), built once per test run into the test output with its build.sh, and the
/// QEMU that runs it. Both are required: a machine without gcc or QEMU 10 fails these tests, it does not skip them.
/// </summary>
internal static class TickGuest
{
    public const string Qemu = "qemu-system-x86_64";

    private static readonly Lazy<string> s_kernel = new(Build);

    /// <summary>The built guest (a multiboot ELF for -kernel).</summary>
    public static string Kernel => s_kernel.Value;

    private static string Build()
    {
        string? root = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && root is null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveUpdate.sln")))
            {
                root = dir.FullName;
            }
        }

        if (root is null)
        {
            throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
        }

        string output = Path.Combine(AppContext.BaseDirectory, "tickguest.elf");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(root, "tests", "guests", "tickguest", "build.sh"));
        start.ArgumentList.Add(output);
        using var build = Process.Start(start)!;
        string errors = build.StandardError.ReadToEnd();
        build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"tickguest build.sh failed ({build.ExitCode}): {errors}");
        }

        using var version = Process.Start(new ProcessStartInfo(Qemu, "--version") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"{Qemu} is not installed (QEMU 10 from bookworm-backports)");
        string text = version.StandardOutput.ReadToEnd();
        version.WaitForExit();
        if (!text.StartsWith("QEMU emulator version 1", StringComparison.Ordinal) || text.StartsWith("QEMU emulator version 1.", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{Qemu} is not QEMU 10 or later: {text}");
        }

        return output;
    }
}
