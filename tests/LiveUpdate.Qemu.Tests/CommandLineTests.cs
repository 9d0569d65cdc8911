using LiveUpdate.Qemu.CommandLine;

namespace LiveUpdate.Qemu.Tests;

public sealed class CommandLineTests
{
    private const string Vm = "0f0e0d0c-0b0a-0908-0706-050403020100";

    private static SupervisorOptions Parse(params string[] args) => SupervisorCommandLine.Parse(args)!;

    private static string Refused(params string[] args) => Assert.Throws<UsageException>(() => SupervisorCommandLine.Parse(args)).Message;

    [Fact]
    public void Parse_AllOptions_BothSpellings()
    {
        var options = Parse("--vm", Vm, "--name=web-01", "--memory", "64M", "--socket-dir=/run/x", "--shutdown-timeout", "5s",
            "--", "qemu-system-x86_64", "-machine", "q35", "-kernel", "k");
        Assert.Equal(Guid.Parse(Vm), options.Vm);
        Assert.Equal("web-01", options.Name);
        Assert.Equal(64UL << 20, options.MemoryBytes);
        Assert.Equal("/run/x", options.SocketDirectory);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ShutdownTimeout);
        Assert.Equal("qemu-system-x86_64", options.QemuBinary);
        Assert.Equal(["-machine", "q35", "-kernel", "k"], options.QemuArguments);
        Assert.Equal($"/vm/{Vm}/memory", options.MemoryPath);
        Assert.Equal($"/vm/{Vm}/device-state", options.DeviceStatePath);
    }

    [Fact]
    public void Parse_Defaults_NameIsTheUuid_NoMemory_ThirtySeconds()
    {
        var options = Parse("--vm", Vm, "--", "qemu");
        Assert.Equal(Vm, options.Name);
        Assert.Null(options.MemoryBytes);
        Assert.Null(options.SocketDirectory);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ShutdownTimeout);
        Assert.Empty(options.QemuArguments);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_ReturnsNull(string help) => Assert.Null(SupervisorCommandLine.Parse([help]));

    [Theory]
    [InlineData("no QEMU to run", "--vm", Vm)]
    [InlineData("no QEMU binary", "--vm", Vm, "--")]
    [InlineData("--vm UUID is required", "--", "qemu")]
    [InlineData("is not a UUID", "--vm", "nope", "--", "qemu")]
    [InlineData("is not a UUID", "--vm", "00000000-0000-0000-0000-000000000000", "--", "qemu")]
    [InlineData("unknown option '--mem'", "--vm", Vm, "--mem", "1G", "--", "qemu")]
    [InlineData("is not an option", "--vm", Vm, "qemu")]
    [InlineData("--vm is given twice", "--vm", Vm, "--vm", Vm, "--", "qemu")]
    [InlineData("--name needs a value", "--vm", Vm, "--name", "--", "qemu")]
    [InlineData("--memory", "--vm", Vm, "--memory", "lots", "--", "qemu")]
    [InlineData("not a positive multiple of 2 MiB", "--vm", Vm, "--memory", "3M", "--", "qemu")]
    [InlineData("not a positive multiple of 2 MiB", "--vm", Vm, "--memory", "0", "--", "qemu")]
    [InlineData("is not an absolute path", "--vm", Vm, "--socket-dir", "run", "--", "qemu")]
    [InlineData("--shutdown-timeout", "--vm", Vm, "--shutdown-timeout", "30", "--", "qemu")]
    [InlineData("must be 1 to 128 printable characters", "--vm", Vm, "--name", "", "--", "qemu")]
    public void Parse_BadUsage_IsRefused(string expected, params string[] args) => Assert.Contains(expected, Refused(args), StringComparison.Ordinal);

    [Theory]
    [InlineData("-m", "64M")]
    [InlineData("--m", "64M")]
    [InlineData("-m=64M")]
    [InlineData("-mem-path", "/dev/hugepages")]
    [InlineData("-mem-prealloc")]
    [InlineData("-object", "memory-backend-file,id=m,mem-path=/x,size=1G")]
    [InlineData("-object", "memory-backend-ram,id=m,size=1G")]
    [InlineData("-object", "qom-type=memory-backend-memfd,id=m,size=1G")]
    [InlineData("--object", """{"qom-type":"memory-backend-file","id":"m","size":1073741824}""")]
    [InlineData("-object", "iothread,id=liveupdate-ram")]
    [InlineData("-machine", "q35,memory-backend=m")]
    [InlineData("-M", "memory-backend=m")]
    [InlineData("-machine", """{"type":"q35","memory-backend":"m"}""")]
    [InlineData("-numa", "node,memdev=m")]
    [InlineData("-numa", "node,mem=512")]
    [InlineData("-qmp", "unix:/tmp/q,server=on,wait=off")]
    [InlineData("-qmp-pretty", "tcp:localhost:4444")]
    [InlineData("-mon", "chardev=c,mode=control")]
    [InlineData("-incoming", "defer")]
    [InlineData("-daemonize")]
    [InlineData("-S")]
    [InlineData("--preconfig")]
    [InlineData("-readconfig", "/etc/vm.cfg")]
    public void Parse_ConflictingQemuArgument_IsRefused(params string[] conflict)
    {
        string message = Refused(["--vm", Vm, "--", "qemu", "-nodefaults", .. conflict, "-display", "none"]);
        Assert.Contains($"QEMU argument '{string.Join(' ', conflict)}' conflicts with liveupdate-qemu", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-monitor", "stdio")]
    [InlineData("-mon", "chardev=c")]
    [InlineData("-mon", "chardev=c,mode=readline")]
    [InlineData("-append", "-m 4 -qmp x")]
    [InlineData("-name", "-m")]
    [InlineData("-object", "iothread,id=io0")]
    [InlineData("-object", "rng-random,id=rng0,filename=/dev/urandom")]
    [InlineData("-machine", "q35,accel=tcg")]
    [InlineData("-machine", "type=q35,mem-merge=off")]
    [InlineData("-numa", "cpu,node-id=0,socket-id=0")]
    [InlineData("-nodefaults", "-no-reboot", "-snapshot", "disk.img")]
    [InlineData("-chardev", "socket,id=c,path=/tmp/c,server=on,wait=off")]
    public void Parse_HarmlessQemuArguments_AreKept(params string[] harmless)
    {
        var options = Parse(["--vm", Vm, "--", "qemu", .. harmless]);
        Assert.Equal(harmless, options.QemuArguments);
    }

    [Fact]
    public void Parse_QemuOptionWithoutItsValue_IsRefused() =>
        Assert.Contains("the QEMU option -kernel needs a value", Refused("--vm", Vm, "--", "qemu", "-kernel"), StringComparison.Ordinal);

    [Fact]
    public void KeyValues_DoubledCommaIsPartOfTheValue()
    {
        var pairs = QemuOptionSyntax.KeyValues("memory-backend-file,mem-path=/a,,b,share=on", "qom-type");
        Assert.Equal(
            [new("qom-type", "memory-backend-file"), new("mem-path", "/a,b"), new KeyValuePair<string, string>("share", "on")],
            pairs);
    }
}
