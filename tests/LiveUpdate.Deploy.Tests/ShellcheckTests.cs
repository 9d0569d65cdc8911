using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>Every shell script of the project passes shellcheck (Debian's, installed by tests/run-all.sh) with no finding.</summary>
public sealed class ShellcheckTests(ITestOutputHelper output)
{
    private const string Shellcheck = "/usr/bin/shellcheck";

    /// <summary>The scripts that must be there (a rename must not drop one from the check unnoticed).</summary>
    private static readonly string[] s_named =
    [
        "deploy/install.sh", "deploy/liveupdate-kexec", "deploy/libvirt-hook-qemu", "deploy/dev-run.sh",
        "tests/run-all.sh", "tests/crash-soak.sh", ".ci/run", "tests/LiveUpdate.Deploy.Tests/Sandbox/unit-sandbox.sh",
        "tests/kexec-lab/run.sh", "tests/kexec-lab/build-initramfs.sh", "tests/kexec-lab/guest/init.sh", "tests/kexec-lab/guest/lab.sh",
        "tests/kexec-lab/guest/qemu-vm.sh", "tests/kexec-lab/guest/namespaces.sh", "tests/kexec-lab/fetch-kernel.sh",
        "deploy/apt-backports.sh", "deploy/require-qemu.sh", "deploy/libvirt-qemu-conf.sh",
    ];

    /// <summary>The named scripts and every other file with a shell shebang in deploy/, tests/*.sh, tests/kexec-lab/ and .ci/.</summary>
    public static TheoryData<string> Scripts()
    {
        var found = new SortedSet<string>(s_named, StringComparer.Ordinal);
        foreach (var directory in new[] { "deploy", ".ci", "tests", "tests/LiveUpdate.Deploy.Tests/Sandbox", "tests/kexec-lab", "tests/kexec-lab/guest" })
        {
            var full = Path.Combine(Repo.Root, directory);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(full))
            {
                if (IsShellScript(file))
                {
                    found.Add(Path.GetRelativePath(Repo.Root, file));
                }
            }
        }

        var data = new TheoryData<string>();
        foreach (var script in found)
        {
            data.Add(script);
        }

        return data;
    }

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Scripts))]
    public async Task Script_is_shellcheck_clean(string script)
    {
        Assert.True(File.Exists(Shellcheck), $"{Shellcheck} is missing: tests/run-all.sh installs it (apt-get install shellcheck)");
        var path = Path.Combine(Repo.Root, script);
        Assert.True(File.Exists(path), $"{script} is missing");
        Assert.True(IsShellScript(path), $"{script} has no sh or bash shebang");
        // -x follows sourced files; --severity=style reports everything shellcheck knows, down to style.
        var result = await Command.RunAsync(Shellcheck, "-x", "--severity=style", "--format=gcc", path);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0 && result.Stdout.Length == 0, $"shellcheck {script}:\n{result.Output}");
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_is_executable(string script)
    {
        var mode = File.GetUnixFileMode(Path.Combine(Repo.Root, script));
        Assert.True((mode & UnixFileMode.UserExecute) != 0, $"{script} is not executable ({mode})");
    }

    private static bool IsShellScript(string path)
    {
        using var reader = new StreamReader(path);
        var first = reader.ReadLine() ?? string.Empty;
        return first.StartsWith("#!", StringComparison.Ordinal)
            && (first.EndsWith("/sh", StringComparison.Ordinal) || first.EndsWith("bash", StringComparison.Ordinal) || first.Contains("/sh ", StringComparison.Ordinal));
    }
}
