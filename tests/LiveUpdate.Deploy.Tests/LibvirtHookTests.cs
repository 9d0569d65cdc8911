using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>deploy/libvirt-hook-qemu as libvirt runs it (name, operation, sub-operation, extra; the XML on stdin), with luctl and logger recording their calls.</summary>
public sealed class LibvirtHookTests(ITestOutputHelper output) : IDisposable
{
    private const string Uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    private readonly TempDirectory _dir = CreateFakes();

    [Fact(Timeout = 60_000)]
    public async Task Starting_a_marked_domain_warns_that_it_will_not_survive_an_update_and_lets_it_start()
    {
        var result = await RunHookAsync("prepare", Domain(marked: true));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(result.Stdout);
        var warning = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("liveupdate hook: warning: domain web-01 (" + Uuid + ")", warning, StringComparison.Ordinal);
        Assert.Contains("do not keep their memory across an update yet", warning, StringComparison.Ordinal);
        Assert.Contains("will reboot", warning, StringComparison.Ordinal);
        Assert.Contains($"liveupdate-vm@{Uuid}.service", warning, StringComparison.Ordinal);
        // The same line in the system log.
        Assert.Equal([$"-t liveupdate-hook -p daemon.warning -- {warning["liveupdate hook: ".Length..]}"], RecordedCalls("logger"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Starting_a_marked_domain_creates_nothing_in_the_region()
    {
        // libvirt's QEMU would never map /vm/{uuid}/memory: the hook does not create it, nor ask the daemon anything.
        var result = await RunHookAsync("prepare", Domain(marked: true));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(RecordedCalls("luctl"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_of_an_unmarked_domain_does_nothing()
    {
        var result = await RunHookAsync("prepare", Domain(marked: false));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(RecordedCalls("luctl"));
        Assert.Empty(RecordedCalls("logger"));
        Assert.Empty(result.Stdout + result.Stderr);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_element_named_persistent_in_another_namespace_is_not_a_mark()
    {
        var xml = Domain(marked: false)
            .Replace("<metadata>", "<metadata><x:persistent xmlns:x='urn:example:other'/><lu:other xmlns:lu='urn:liveupdate:v1'/>", StringComparison.Ordinal);
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(result.Stdout + result.Stderr);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_mark_is_found_by_namespace_whatever_its_prefix()
    {
        var xml = Domain(marked: false)
            .Replace("<metadata>", "<metadata><update:persistent xmlns:update=\"urn:liveupdate:v1\"/>", StringComparison.Ordinal);
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("is marked for live update", result.Stderr, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("release", "end")]
    [InlineData("stopped", "end")]
    [InlineData("start", "begin")]
    [InlineData("started", "begin")]
    [InlineData("reconnect", "begin")]
    [InlineData("migrate", "begin")]
    public async Task Other_operations_of_a_marked_domain_say_and_do_nothing(string operation, string subOperation)
    {
        var result = await RunHookAsync(operation, Domain(marked: true), subOperation: subOperation);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(result.Stdout + result.Stderr);
        Assert.Empty(RecordedCalls("luctl"));
        Assert.Empty(RecordedCalls("logger"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Unreadable_xml_with_the_namespace_is_a_warning_and_never_stops_the_start()
    {
        var result = await RunHookAsync("prepare", "<domain><metadata><lu:persistent xmlns:lu='urn:liveupdate:v1'/></metadata>");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("liveupdate hook: warning: domain web-01: cannot parse the domain XML", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private static string Domain(bool marked) => $"""
        <domain type='kvm' id='3'>
          <name>web-01</name>
          <uuid>{Uuid.ToUpperInvariant()}</uuid>
          <metadata>
            <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://debian.org/debian/12"/></libosinfo:libosinfo>
            {(marked ? "<lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/>" : string.Empty)}
          </metadata>
          <memory unit='GiB'>4</memory>
          <vcpu placement='static'>2</vcpu>
          <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
        </domain>
        """;

    /// <summary>luctl and logger that record their arguments (one file each), so a test sees every call.</summary>
    private static TempDirectory CreateFakes()
    {
        var dir = new TempDirectory("lu-hook-tests");
        foreach (var command in new[] { "luctl", "logger" })
        {
            dir.WriteScript($"bin/{command}", $$"""
                #!/bin/sh
                echo "$*" >> '{{dir[$"calls.{command}"]}}'
                exit 0
                """);
        }

        return dir;
    }

    private async Task<CommandResult> RunHookAsync(string operation, string xml, Dictionary<string, string?>? environment = null, string subOperation = "begin")
    {
        var env = new Dictionary<string, string?> { ["PATH"] = Repo.SystemPath(_dir["bin"]) };
        foreach (var (name, value) in environment ?? [])
        {
            env[name] = value;
        }

        var result = await Command.RunAsync(Repo.DeployFile("libvirt-hook-qemu"), ["web-01", operation, subOperation, "-"], env, stdin: xml);
        output.WriteLine(result.Output);
        return result;
    }

    private string[] RecordedCalls(string command)
    {
        var calls = _dir[$"calls.{command}"];
        return File.Exists(calls) ? File.ReadAllLines(calls).Where(line => line.Length > 0).ToArray() : [];
    }
}
