using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>deploy/libvirt-qemu-conf.sh on a copy of a qemu.conf: one marked block, idempotent, the operator's own settings kept.</summary>
public sealed class LibvirtQemuConfTests(ITestOutputHelper output) : IDisposable
{
    private const string Begin = "# BEGIN liveupdate: written by LiveUpdate's install.sh (deploy/libvirt-qemu-conf.sh); edit outside this block";
    private readonly TempDirectory _dir = new("lu-qemu-conf-tests");

    private string Conf => _dir["qemu.conf"];

    [Fact(Timeout = 60_000)]
    public async Task The_block_is_appended_once_and_a_second_run_changes_nothing()
    {
        const string Operator = "# libvirt's qemu.conf\n#user = \"root\"\nvnc_listen = \"0.0.0.0\"\n";
        File.WriteAllText(Conf, Operator);

        var first = await RunAsync("--region-device", "/dev/dax0.0");
        Assert.Equal("changed", first.Stdout.Trim());
        string text = File.ReadAllText(Conf);
        Assert.StartsWith(Operator, text, StringComparison.Ordinal);
        Assert.Contains(Begin + "\n", text, StringComparison.Ordinal);
        Assert.Contains("\nnamespaces = [ ]\n", text, StringComparison.Ordinal);
        Assert.Contains("\"/dev/kvm\", \"/dev/userfaultfd\", \"/dev/dax0.0\" ]\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cgroup_controllers", text, StringComparison.Ordinal);
        Assert.EndsWith("# END liveupdate\n", text, StringComparison.Ordinal);

        var second = await RunAsync("--region-device", "/dev/dax0.0");
        Assert.Equal("unchanged", second.Stdout.Trim());
        Assert.Equal(text, File.ReadAllText(Conf));

        // Another backend rewrites the block in place, never a second one.
        var namespaces = await RunAsync("--namespaces-backend");
        Assert.Equal("changed", namespaces.Stdout.Trim());
        text = File.ReadAllText(Conf);
        Assert.Single(text.Split('\n'), line => line == Begin);
        Assert.Contains("\ncgroup_controllers = [ \"cpu\", \"memory\", \"blkio\", \"cpuset\", \"cpuacct\" ]\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/dax0.0", text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_setting_the_operator_wrote_is_kept_with_a_warning()
    {
        File.WriteAllText(Conf, "namespaces = [ \"mount\" ]\n");

        var result = await RunAsync();
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("sets namespaces itself: left as it is; LiveUpdate needs namespaces = [ ]", result.Stderr, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Conf);
        Assert.Equal("namespaces = [ \"mount\" ]", lines[0]);
        Assert.Single(lines, line => line.StartsWith("namespaces", StringComparison.Ordinal));
        Assert.Single(lines, line => line.StartsWith("cgroup_device_acl = ", StringComparison.Ordinal));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--region-device", "/srv/region")]
    [InlineData("--bogus")]
    public async Task Bad_arguments_are_usage_errors_and_change_nothing(params string[] args)
    {
        File.WriteAllText(Conf, "# untouched\n");

        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 2, result.Output);
        Assert.Equal("# untouched\n", File.ReadAllText(Conf));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<CommandResult> RunAsync(params string[] args)
    {
        var result = await Command.RunAsync(Repo.DeployFile("libvirt-qemu-conf.sh"), [Conf, .. args], new Dictionary<string, string?> { ["PATH"] = Repo.SystemPath() });
        output.WriteLine(result.Output);
        return result;
    }
}
