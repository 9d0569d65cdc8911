using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>deploy/libvirt-hook-qemu as libvirt runs it (name, operation, sub-operation, extra; the XML on stdin), with a fake luctl that records its calls.</summary>
public sealed class LibvirtHookTests(ITestOutputHelper output) : IDisposable
{
    private const string Uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    private const string MemoryPath = $"/vm/{Uuid}/memory";
    private readonly TempDirectory _dir = CreateFakes();

    private string Calls => _dir["calls"];

    [Theory(Timeout = 60_000)]
    [InlineData("<memory unit='KiB'>4194304</memory>", 4294967296UL)]
    [InlineData("<memory unit='KiB'>4196352</memory>", 4297064448UL)] // 4 GiB + 2 MiB
    [InlineData("<memory>2097152</memory>", 2147483648UL)] // no unit: KiB
    [InlineData("<memory unit='GiB'>8</memory>", 8589934592UL)]
    [InlineData("<memory unit='G'>1</memory>", 1073741824UL)]
    [InlineData("<memory unit='bytes'>2097152</memory>", 2097152UL)]
    public async Task Prepare_of_a_marked_domain_creates_its_guest_memory(string memory, ulong expectedBytes)
    {
        var result = await RunHookAsync("prepare", Domain(marked: true, memory));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            [
                $"stat --json {MemoryPath}",
                $"create {MemoryPath} --size {expectedBytes} --kind guest-memory --vm {Uuid} --parents",
            ],
            RecordedCalls());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("user = \"root\"")]
    [InlineData("#user = \"nobody\"\nuser = \"+0\"   # by uid")]
    public async Task Prepare_gives_the_file_to_the_user_qemu_conf_names(string qemuConf)
    {
        File.WriteAllText(_dir["qemu.conf"], qemuConf + "\n");
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='GiB'>4</memory>"), new() { ["LIVEUPDATE_QEMU_CONF"] = _dir["qemu.conf"] });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            [
                $"stat --json {MemoryPath}",
                $"create {MemoryPath} --size 4294967296 --kind guest-memory --vm {Uuid} --parents --owner 0",
            ],
            RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_of_an_unmarked_domain_does_nothing()
    {
        var result = await RunHookAsync("prepare", Domain(marked: false, "<memory unit='KiB'>4194304</memory>"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(RecordedCalls());
        Assert.Empty(result.Stdout + result.Stderr);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_element_named_persistent_in_another_namespace_is_not_a_mark()
    {
        var xml = Domain(marked: false, "<memory unit='KiB'>4194304</memory>")
            .Replace("<metadata>", "<metadata><x:persistent xmlns:x='urn:example:other'/><lu:other xmlns:lu='urn:liveupdate:v1'/>", StringComparison.Ordinal);
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task The_mark_is_found_by_namespace_whatever_its_prefix()
    {
        var xml = Domain(marked: false, "<memory unit='KiB'>4194304</memory>")
            .Replace("<metadata>", "<metadata><update:persistent xmlns:update=\"urn:liveupdate:v1\"/>", StringComparison.Ordinal);
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"create {MemoryPath} --size 4294967296 --kind guest-memory --vm {Uuid} --parents", RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_with_the_file_already_there_at_the_right_size_changes_nothing()
    {
        var stat = $$"""{"path": "{{MemoryPath}}", "inode": 7, "kind": "GUEST_MEMORY", "size_bytes": 4294967296, "vm_uuid": "{{Uuid}}"}""";
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='GiB'>4</memory>"), new() { ["FAKE_STAT_JSON"] = stat });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal([$"stat --json {MemoryPath}"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_with_the_file_at_another_size_fails_the_start_and_keeps_the_file()
    {
        var stat = $$"""{"path": "{{MemoryPath}}", "kind": "GUEST_MEMORY", "size_bytes": 2147483648, "vm_uuid": "{{Uuid}}"}""";
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='GiB'>4</memory>"), new() { ["FAKE_STAT_JSON"] = stat });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("2147483648", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"luctl rm {MemoryPath}", result.Stderr, StringComparison.Ordinal);
        Assert.Equal([$"stat --json {MemoryPath}"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_with_the_daemon_unreachable_fails_the_start()
    {
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='GiB'>4</memory>"), new() { ["FAKE_STAT_EXIT"] = "3" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("unreachable", result.Stderr, StringComparison.Ordinal);
        Assert.Equal([$"stat --json {MemoryPath}"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_create_fails_the_start_with_luctls_message()
    {
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='GiB'>4</memory>"), new() { ["FAKE_CREATE_EXIT"] = "1" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("RESOURCE_EXHAUSTED", result.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_of_a_marked_numa_domain_creates_one_file_per_cell_sized_from_the_cell()
    {
        var result = await RunHookAsync("prepare", Domain(marked: true, "<memory unit='MiB'>192</memory>", Numa("memory='65536' unit='KiB'", "memory='128' unit='MiB'")));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            [
                $"stat --json {MemoryPath}-node0",
                $"stat --json {MemoryPath}-node1",
                $"create {MemoryPath}-node0 --size 67108864 --kind guest-memory --vm {Uuid} --parents",
                $"create {MemoryPath}-node1 --size 134217728 --kind guest-memory --vm {Uuid} --parents",
            ],
            RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepare_of_a_numa_domain_with_one_cell_of_the_wrong_size_creates_nothing()
    {
        // node0 is missing, node1 is there at another size: the start is refused before node0 is created.
        var stat = $$"""{"path": "{{MemoryPath}}-node1", "kind": "GUEST_MEMORY", "size_bytes": 67108864, "vm_uuid": "{{Uuid}}"}""";
        var result = await RunHookAsync(
            "prepare",
            Domain(marked: true, "<memory unit='MiB'>192</memory>", Numa("memory='65536' unit='KiB'", "memory='128' unit='MiB'")),
            new() { ["FAKE_STAT_JSON"] = stat, ["FAKE_STAT_ONLY"] = "node1" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains($"{MemoryPath}-node1 is 67108864 bytes but the domain now has 134217728", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(RecordedCalls(), call => call.StartsWith("create", StringComparison.Ordinal));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("<memory unit='KiB'>4195328</memory>", null, "<memory> is 4296015872 bytes, not a multiple of 2 MiB")] // 4 GiB + 1 MiB
    [InlineData("<memory unit='MB'>3000</memory>", null, "not a multiple of 2 MiB")]
    [InlineData("<memory unit='KiB'>0</memory>", null, "<memory> is 0 bytes")]
    [InlineData("<memory unit='parsecs'>1</memory>", null, "unknown unit 'parsecs'")]
    [InlineData("<memory unit='MiB'>4</memory>", "memory='3' unit='MiB'", "NUMA cell 1 is 3145728 bytes, not a multiple of 2 MiB")]
    public async Task Prepare_refuses_sizes_the_region_cannot_hold_exactly_and_asks_nothing(string memory, string? secondCell, string expected)
    {
        var xml = secondCell is null ? Domain(marked: true, memory) : Domain(marked: true, memory, Numa("memory='2' unit='MiB'", secondCell));
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Migrating_a_marked_domain_is_refused_with_a_reason_and_no_replacement_xml()
    {
        var result = await RunHookAsync("migrate", Domain(marked: true, "<memory unit='GiB'>4</memory>"));

        Assert.True(result.ExitCode == 1, result.Output);
        // libvirt takes the migrate hook's stdout as a new domain XML: nothing there.
        Assert.Empty(result.Stdout);
        Assert.Contains($"domain web-01 ({Uuid}) is marked for live update", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("migration is refused", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Migrating_an_unmarked_domain_is_left_to_libvirt()
    {
        var result = await RunHookAsync("migrate", Domain(marked: false, "<memory unit='GiB'>4</memory>"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(result.Stdout + result.Stderr);
        Assert.Empty(RecordedCalls());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("release", "end")]
    [InlineData("stopped", "end")]
    [InlineData("start", "begin")]
    [InlineData("started", "begin")]
    [InlineData("reconnect", "begin")]
    [InlineData("restore", "begin")]
    public async Task Other_operations_of_a_marked_domain_leave_the_region_alone(string operation, string subOperation)
    {
        var result = await RunHookAsync(operation, Domain(marked: true, "<memory unit='GiB'>4</memory>"), subOperation: subOperation);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_marked_domain_without_a_usable_uuid_fails_with_a_message()
    {
        var xml = Domain(marked: true, "<memory unit='GiB'>4</memory>").Replace(Uuid.ToUpperInvariant(), "not-a-uuid", StringComparison.Ordinal);
        var result = await RunHookAsync("prepare", xml);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("uuid", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(RecordedCalls());
    }

    public void Dispose() => _dir.Dispose();

    private static string Numa(string cell0, string cell1) =>
        $"<cpu mode='custom' match='exact'><model>qemu64</model><numa><cell id='0' cpus='0' {cell0}/><cell id='1' cpus='1' {cell1}/></numa></cpu>";

    private static string Domain(bool marked, string memory, string cpu = "") => $"""
        <domain type='kvm' id='3'>
          <name>web-01</name>
          <uuid>{Uuid.ToUpperInvariant()}</uuid>
          <metadata>
            <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://debian.org/debian/12"/></libosinfo:libosinfo>
            {(marked ? "<lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/>" : string.Empty)}
          </metadata>
          {memory}
          <currentMemory unit='KiB'>1048576</currentMemory>
          <vcpu placement='static'>2</vcpu>
          {cpu}
          <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
        </domain>
        """;

    private static TempDirectory CreateFakes()
    {
        var dir = new TempDirectory("lu-hook-tests");
        dir.WriteScript("bin/luctl", $$"""
            #!/bin/sh
            echo "$*" >> '{{dir["calls"]}}'
            case "$1" in
              stat)
                if [ -n "$FAKE_STAT_EXIT" ]; then echo "luctl: cannot reach the daemon" >&2; exit "$FAKE_STAT_EXIT"; fi
                case "$3" in *"$FAKE_STAT_ONLY") if [ -n "$FAKE_STAT_JSON" ]; then printf '%s\n' "$FAKE_STAT_JSON"; exit 0; fi ;; esac
                echo "luctl: NOT_FOUND: '$3' does not exist" >&2; exit 1 ;;
              create)
                if [ -n "$FAKE_CREATE_EXIT" ]; then echo "luctl: RESOURCE_EXHAUSTED: the region is full" >&2; exit "$FAKE_CREATE_EXIT"; fi
                echo "created $2"; exit 0 ;;
            esac
            exit 0
            """);
        return dir;
    }

    private async Task<CommandResult> RunHookAsync(string operation, string xml, Dictionary<string, string?>? environment = null, string subOperation = "begin")
    {
        // A qemu.conf naming no such user by default, so the file is root's and the recorded calls do not depend on this machine's users.
        File.WriteAllText(_dir["no-user.qemu.conf"], "user = \"lu-no-such-user\"\n");
        var env = new Dictionary<string, string?> { ["PATH"] = Repo.SystemPath(_dir["bin"]), ["LUCTL"] = null, ["LIVEUPDATE_QEMU_CONF"] = _dir["no-user.qemu.conf"] };
        foreach (var (name, value) in environment ?? [])
        {
            env[name] = value;
        }

        var result = await Command.RunAsync(Repo.DeployFile("libvirt-hook-qemu"), ["web-01", operation, subOperation, "-"], env, stdin: xml);
        output.WriteLine(result.Output);
        return result;
    }

    private string[] RecordedCalls() =>
        File.Exists(Calls) ? File.ReadAllLines(Calls).Where(line => line.Length > 0).ToArray() : [];
}
