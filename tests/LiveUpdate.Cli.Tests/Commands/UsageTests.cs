using System.Net.Sockets;
using LiveUpdate.Cli.Tests.Infrastructure;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>
/// luctl without a daemon: help for every command, usage errors (exit 2, one stderr line, nothing on stdout), and a daemon
/// that is not there (exit 3, quickly). The real binary runs for the root help, an unknown command, a bad size and the
/// missing daemon; the long tables of cases run luctl's entry point in-process (same code, no process start each).
/// </summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class UsageTests
{
    /// <summary>A socket directory where no daemon runs.</summary>
    private static readonly string s_nowhere = Path.Combine("/dev/shm", "luctl-nowhere-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<string, string> EveryCommand => new()
    {
        { "", "luctl [command] [options]" },
        { "status", "LifecycleStatus" },
        { "region", "RegionInfo" },
        { "ls", "entries" },
        { "stat", "instance_id (random at" },
        { "create", "--kind <KIND> (REQUIRED)" },
        { "mkdir", "--parents" },
        { "rm", "\"removed\": true" },
        { "freeze", "\"progress\"" },
        { "thaw", "previous_state" },
        { "reconcile", "quarantine_path" },
        { "check", "repair_note" },
        { "gc", "--older-than <AGE> (REQUIRED)" },
        { "dma", "through iommufd/VFIO at the same IOVAs" },
        { "dma ls", "root_table_physical_address" },
        { "dma mappings", "pages_4k, pages_2m, pages_1g" },
        { "dma translate", "--device <PCI>" },
        { "dma create-domain", "--width <BITS>" },
        { "dma attach", "context_entry_low" },
        { "dma detach", "DetachDeviceResponse" },
        { "dma map", "--read-only" },
        { "dma unmap", "unmapped[]" },
        { "dma destroy", "DestroyDomainResponse" },
        { "plan-kexec", "memmap=16G!4G" },
        { "qemu-args", "liveupdate-qemu is the supported way" },
    };

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(EveryCommand))]
    public async Task Help_OfEveryCommand_PrintsUsageOptionsDetailsAndExitCodes(string command, string detail)
    {
        string[] words = command.Length == 0 ? [] : command.Split(' ');
        var result = await InProcessLuctl.RunAsync([.. words, "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(("luctl " + command).Trim(), result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--socket-dir <DIR>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(detail, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Exit codes", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact(Timeout = 30_000)]
    public async Task Help_Root_ListsEveryCommandAndEveryExitCode()
    {
        var result = await LuctlProcess.RunAsync("--help");

        foreach (var command in new[] { "status", "region", "ls", "stat", "create", "mkdir", "rm", "freeze", "thaw", "reconcile", "check", "gc", "dma", "plan-kexec", "qemu-args" })
        {
            Assert.Matches($@"(?m)^  {command}\b", result.Stdout);
        }

        foreach (var code in new[] { "0  ok", "1  the operation failed", "2  usage", "3  the daemon is unreachable", "4  refused by state" })
        {
            Assert.Contains(code, result.Stdout, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string[], string> UsageErrors => new()
    {
        { ["bogus"], "unknown command or argument 'bogus'" },
        { [], "no command given" },
        { ["dma"], "no command given" },
        { ["ls", "-z"], "PATH: '-z' is not a path in the region" },
        { ["stat", "vm/ram"], "PATH: 'vm/ram' is not a path in the region" },
        { ["status", "-z"], "unknown command or argument '-z'" },
        { ["create", "/x", "--size", "12x", "--kind", "blob"], "--size: '12x' has an unknown unit 'x'" },
        { ["create", "/x", "--size", "-5M", "--kind", "blob"], "--size: '-5M' is negative" },
        { ["create", "/x", "--size", "99999999999P", "--kind", "blob"], "--size: '99999999999P' is too large" },
        { ["create", "/x", "--size", "18446744073709551616", "--kind", "blob"], "is too large" },
        { ["create", "/x", "--size", "1.0000001K", "--kind", "blob"], "is not a whole number of bytes" },
        { ["create", "/x", "--size", "lots", "--kind", "blob"], "'lots' is not a size" },
        { ["create", "/x", "--kind", "blob"], "--size" },
        { ["create", "/x", "--size", "4K", "--kind", "sausage"], "'sausage' is not a kind to create" },
        { ["create", "/x", "--size", "4K", "--kind", "blob", "--vm", "not-a-uuid"], "'not-a-uuid' is not a UUID" },
        { ["create", "/x", "--size", "4K", "--kind", "blob", "--owner", "-1"], "is not a numeric user id" },
        { ["gc", "--older-than", "7"], "'7' has no unit: write 7d" },
        { ["gc", "--older-than", "-1d"], "'-1d' is negative" },
        { ["gc"], "--older-than" },
        { ["freeze", "--timeout", "soon"], "'soon' is not a duration" },
        { ["dma", "translate", "0x10"], "give exactly one of --domain DOMAIN and --device PCI" },
        { ["dma", "translate", "--domain", "1", "--device", "0000:01:00.0", "0x10"], "give exactly one of --domain DOMAIN and --device PCI" },
        { ["dma", "translate", "--domain", "0", "0x10"], "--domain: '0' is not a domain id" },
        { ["dma", "translate", "--device", "zz", "0x10"], "--device: 'zz' is not a PCI address" },
        { ["dma", "translate", "--domain", "1", "0xZZ"], "'0xZZ' is not an address" },
        { ["dma", "mappings", "65536"], "DOMAIN: '65536' is not a domain id" },
        { ["dma", "create-domain", "5", "--width", "40"], "--width: '40' is not an address width VT-d supports" },
        { ["dma", "create-domain", "5", "--vm", "x"], "'x' is not a UUID" },
        { ["dma", "attach", "5", "01:00.0"], "PCI: '01:00.0' is not a PCI address" },
        { ["dma", "map", "5", "0x0", "vm/ram"], "PATH: 'vm/ram' is not a path in the region" },
        { ["dma", "map", "5", "0x0", "/vm/ram", "--read-only", "--write-only"], "--read-only and --write-only exclude each other" },
        { ["dma", "map", "5", "0x0", "/vm/ram", "--length", "lots"], "--length: 'lots' is not a size" },
        { ["dma", "unmap", "5", "0x0", "0xZZ"], "LENGTH: '0xZZ' is not an address" },
        { ["qemu-args", "/vm/ram", "--fd", "3"], "--fd" },
    };

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(UsageErrors))]
    public async Task UsageError_ExitsTwo_WithOneLineOnStderr_AndNothingOnStdout(string[] arguments, string expected)
    {
        var result = await InProcessLuctl.RunAsync([.. arguments, "--socket-dir", s_nowhere]);
        AssertUsageError(result, expected);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(new[] { "bogus" }, "luctl: unknown command or argument 'bogus' (see 'luctl --help')")]
    [InlineData(new[] { "create", "/x", "--size", "12x", "--kind", "blob" }, "luctl: --size: '12x' has an unknown unit 'x' (use B, K, M, G, T or P, optionally as KiB, MiB, …) (see 'luctl create --help')")]
    public async Task UsageError_TheRealBinary_ExitsTwo(string[] arguments, string line)
    {
        var result = await LuctlProcess.RunAsync([.. arguments, "--socket-dir", s_nowhere]);

        AssertUsageError(result, line);
        Assert.Equal(line + "\n", result.Stderr);
    }

    private static void AssertUsageError(LuctlResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("luctl: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains("--help", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task UsageError_RelativeSocketDirectory_ExitsTwo()
    {
        var result = await LuctlProcess.RunAsync("status", "--socket-dir", "relative");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("luctl: --socket-dir must be an absolute path, not 'relative' (see 'luctl status --help')\n", result.Stderr);
    }

    [Fact(Timeout = 30_000)]
    public async Task DaemonDown_NoSocket_ExitsThree_NamingTheSocketAndWhatToDo()
    {
        var result = await LuctlProcess.RunAsync("status", "--socket-dir", s_nowhere);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            $"luctl: status: UNAVAILABLE: cannot connect to {s_nowhere}/liveupdate.sock: no such socket; is liveupdated running? " +
            "(systemctl status liveupdate; or pass --socket-dir DIR)",
            line);
    }

    [Fact(Timeout = 30_000)]
    public async Task DaemonDown_StaleSocket_ExitsThree_ConnectionRefused()
    {
        var directory = Directory.CreateTempSubdirectory("luctl-stale-").FullName;
        try
        {
            // A socket file nobody listens on (bound, never listening): what a daemon killed with SIGKILL leaves behind.
            // It stays open while luctl runs, since .NET deletes the file of a socket it bound when the socket is disposed.
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory, "liveupdate.sock")));

            var result = await LuctlProcess.RunAsync("region", "--socket-dir", directory);

            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Contains("luctl: region: UNAVAILABLE: cannot connect to", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("connection refused", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task DaemonDown_EveryCommandThatCallsTheDaemon_ExitsThree()
    {
        string[][] commands =
        [
            ["status"], ["region"], ["ls"], ["ls", "-l", "/vm"], ["stat", "/x"], ["create", "/x", "--size", "4K", "--kind", "blob"],
            ["mkdir", "-p", "/a/b"], ["rm", "/x"], ["freeze"], ["thaw"], ["reconcile", "--dry-run"], ["check"],
            ["gc", "--older-than", "0"], ["dma", "ls"], ["dma", "mappings", "1"], ["dma", "translate", "--domain", "1", "0x1000"],
            ["dma", "translate", "--device", "0000:01:00.0", "0x1000"], ["dma", "create-domain", "1"], ["dma", "attach", "1", "0000:01:00.0"],
            ["dma", "detach", "0000:01:00.0"], ["dma", "map", "1", "0x0", "/x"], ["dma", "unmap", "1", "0x0", "2M"], ["dma", "destroy", "1"],
            ["plan-kexec"], ["qemu-args", "/x"],
        ];

        var results = await Task.WhenAll(commands.Select(c => InProcessLuctl.RunAsync([.. c, "--json", "--socket-dir", s_nowhere])));

        foreach (var result in results)
        {
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Equal(string.Empty, result.Stdout);
            Assert.Contains("UNAVAILABLE", result.Stderr, StringComparison.Ordinal);
        }
    }
}
