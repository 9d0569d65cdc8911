using System.Text.Json.Nodes;
using LiveUpdate.Emulator.CommandLine;
using LiveUpdate.Qemu;
using LiveUpdate.Qemu.Memory;

namespace LiveUpdate.Emulator.Tests;

public sealed class ArgumentRewriteTests
{
    private const string Uuid = "11111111-2222-3333-4444-555555555555";

    /// <summary>QEMU's arguments as libvirt 11.3 gives them for a one-node 64 MiB domain (measured here, trimmed).</summary>
    private static List<string> LibvirtArguments(params string[] extra) =>
    [
        "-name", "guest=probe1,debug-threads=on", "-S",
        "-object", """{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-1-probe1/master-key.aes"}""",
        "-machine", "pc-q35-10.0,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=off", "-accel", "tcg", "-cpu", "qemu64",
        "-m", "size=65536k", "-object", """{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}""",
        "-overcommit", "mem-lock=off", "-smp", "1,sockets=1,cores=1,threads=1", "-uuid", Uuid, "-display", "none",
        "-no-user-config", "-nodefaults", "-chardev", "socket,id=charmonitor,fd=29,server=on,wait=off",
        "-mon", "chardev=charmonitor,id=monitor,mode=control", "-kernel", "/tmp/probe/tick.elf",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny", "-msg", "timestamp=on", .. extra,
    ];

    [Fact]
    public void Parse_LibvirtArguments_FindsUuidBackendAndMonitor()
    {
        var parsed = LibvirtQemuArguments.Parse(LibvirtArguments());

        Assert.Equal(Guid.Parse(Uuid), parsed.Uuid);
        Assert.False(parsed.Incoming);
        var backend = Assert.Single(parsed.RamBackends);
        Assert.Equal(("pc.ram", "memory", 64UL << 20, 14), (backend.Id, backend.FileName, backend.Size, backend.ValueIndex));
        Assert.Equal(29, parsed.Monitor!.ListeningFd);
    }

    [Fact]
    public void Parse_IncomingDefer_IsARestore() =>
        Assert.True(LibvirtQemuArguments.Parse(LibvirtArguments("-incoming", "defer")).Incoming);

    [Fact]
    public void Parse_ProbeWithoutUuid_HasNoDomain()
    {
        var parsed = LibvirtQemuArguments.Parse(["-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=tcg", "-qmp", "unix:/x/qmp.monitor,server=on,wait=off"]);

        Assert.Null(parsed.Uuid);
        Assert.Empty(parsed.RamBackends);
    }

    [Fact]
    public void Rewrite_JsonBackend_BecomesSharedFileBackendKeepingCommonProperties()
    {
        var backend = RamBackend.TryParse("""{"qom-type":"memory-backend-ram","id":"ram-node1","size":33554432,"host-nodes":[0],"policy":"bind","x-use-canonical-path-for-ramblock-id":false}""", 7)!;

        var json = JsonNode.Parse(backend.Rewrite(new GuestMemoryPlacement("/dev/dax0.0", 64 << 20, 32 << 20), "/vm/x/memory-node1"))!.AsObject();

        Assert.Equal("memory-node1", backend.FileName);
        Assert.Equal("memory-backend-file", (string)json["qom-type"]!);
        Assert.Equal("ram-node1", (string)json["id"]!);
        Assert.Equal("/dev/dax0.0", (string)json["mem-path"]!);
        Assert.Equal(64UL << 20, (ulong)json["offset"]!);
        Assert.Equal(32UL << 20, (ulong)json["size"]!);
        Assert.True((bool)json["share"]!);
        Assert.Equal("bind", (string)json["policy"]!);
        Assert.Equal(0, (int)json["host-nodes"]![0]!);
        Assert.False((bool)json["x-use-canonical-path-for-ramblock-id"]!);
    }

    [Fact]
    public void Rewrite_NamespaceDevice_HasNoOffset()
    {
        var backend = RamBackend.TryParse("""{"qom-type":"memory-backend-ram","id":"pc.ram","size":33554432}""", 1)!;

        var json = JsonNode.Parse(backend.Rewrite(new GuestMemoryPlacement("/dev/dax1.2", 0, 32 << 20), "/vm/x/memory"))!.AsObject();

        Assert.False(json.ContainsKey("offset"));
    }

    [Fact]
    public void Rewrite_KeyValueBackend_KeepsTheSyntax()
    {
        var backend = RamBackend.TryParse("memory-backend-memfd,id=pc.ram,size=64M,hugetlb=on,prealloc=on", 1)!;

        string rewritten = backend.Rewrite(new GuestMemoryPlacement("/srv/a,b/region", 4 << 20, 64 << 20), "/vm/x/memory");

        Assert.Equal("memory-backend-file,id=pc.ram,size=64M,prealloc=on,mem-path=/srv/a,,b/region,offset=4194304,share=on,align=2097152", rewritten);
    }

    [Fact]
    public void Rewrite_FileOfAnotherSize_IsRefused()
    {
        var backend = RamBackend.TryParse("""{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}""", 1)!;

        var refused = Assert.Throws<RefusedException>(() => backend.Rewrite(new GuestMemoryPlacement("/r", 4 << 20, 32 << 20), "/vm/x/memory"));

        Assert.Contains("/vm/x/memory holds 33554432 bytes but the domain's RAM backend pc.ram is 67108864 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"qom-type":"memory-backend-ram","id":"memdimm0","size":1048576}""")]
    [InlineData("""{"qom-type":"secret","id":"pc.ram"}""")]
    [InlineData("iothread,id=ram-node0")]
    [InlineData("memory-backend-ram,id=ram-nodeX,size=1M")]
    public void TryParse_OtherObjects_AreLeftAlone(string value) => Assert.Null(RamBackend.TryParse(value, 0));

    [Fact]
    public void Parse_NumaDomain_FindsEveryNodeBackend()
    {
        var args = LibvirtArguments();
        int index = args.IndexOf("""{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}""");
        args[index] = """{"qom-type":"memory-backend-ram","id":"ram-node0","size":33554432}""";
        args.InsertRange(index + 1, ["-numa", "node,nodeid=0,cpus=0,memdev=ram-node0", "-object", """{"qom-type":"memory-backend-ram","id":"ram-node1","size":33554432}""", "-numa", "node,nodeid=1,memdev=ram-node1"]);

        var parsed = LibvirtQemuArguments.Parse(args);

        Assert.Equal(["memory-node0", "memory-node1"], parsed.RamBackends.Select(b => b.FileName));
    }

    [Fact]
    public void MonitorRewrite_ConnectedClientSocket()
    {
        var monitor = LibvirtQemuArguments.Parse(LibvirtArguments()).Monitor!;

        Assert.Equal("socket,id=charmonitor,fd=7,server=off", monitor.Rewrite(7));
    }

    [Fact]
    public void Monitor_OnAPath_IsNotTakenForADescriptor()
    {
        var args = LibvirtArguments();
        args[args.IndexOf("socket,id=charmonitor,fd=29,server=on,wait=off")] = "socket,id=charmonitor,path=/run/m.sock,server=on,wait=off";

        Assert.Null(LibvirtQemuArguments.Parse(args).Monitor);
    }

    [Fact]
    public void Config_ReadsKeysAndComments()
    {
        var config = EmulatorConfig.Parse(["# site", "socket-dir = /run/lu  # the daemon", "", "qemu=/opt/qemu/bin/qemu-system-x86_64"], "emulator.conf");

        Assert.Equal(new EmulatorConfig("/run/lu", "/opt/qemu/bin/qemu-system-x86_64"), config);
    }

    [Fact]
    public void Config_UnknownKey_IsRefusedWithItsLine()
    {
        var refused = Assert.Throws<UsageException>(() => EmulatorConfig.Parse(["qemu = /usr/bin/q", "socketdir = /x"], "e.conf"));

        Assert.Equal("e.conf:2: unknown key 'socketdir' (known: socket-dir, qemu)", refused.Message);
    }

    [Fact]
    public void Config_EnvironmentOverridesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"emu-conf-{Guid.NewGuid():N}");
        File.WriteAllText(path, "socket-dir = /run/a\nqemu = /usr/bin/a\n");
        try
        {
            var env = new Dictionary<string, string?> { ["LIVEUPDATE_EMULATOR_CONF"] = path, ["LIVEUPDATE_QEMU"] = "/usr/bin/b" };
            Assert.Equal(new EmulatorConfig("/run/a", "/usr/bin/b"), EmulatorConfig.Load(n => env.GetValueOrDefault(n)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
