using LiveUpdate.Cli.Commands;
using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Planning;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>qemu-args on hand-worked file layouts.</summary>
public sealed class QemuArgsTests
{
    private const ulong MiB = 1UL << 20;
    private const ulong GiB = 1UL << 30;

    private static FileInfo GuestMemory(ulong size, params (ulong FileOffset, ulong RegionOffset, ulong Length)[] extents)
    {
        var file = new FileInfo { Path = "/vm/web-01/ram", Kind = FileKind.GuestMemory, SizeBytes = size };
        file.Extents.AddRange(extents.Select(e => new Extent { FileOffset = e.FileOffset, RegionOffset = e.RegionOffset, Length = e.Length }));
        return file;
    }

    [Fact]
    public void Build_OneExtent_IsBootRamThroughMachineMemoryBackend()
    {
        var plan = QemuArgs.Build(GuestMemory(16 * GiB, (0, 2 * GiB, 16 * GiB)), "/dev/dax0.0");

        Assert.Equal(
            [
                "-object", "memory-backend-file,id=lu-ram0,mem-path=/dev/dax0.0,offset=2G,size=16G,share=on,align=2M",
                "-machine", "memory-backend=lu-ram0",
                "-m", "16G",
            ],
            plan.Arguments);
    }

    [Fact]
    public void Build_NamespacesBackend_MapsTheFilesOwnDeviceFromItsStart_WithNoOffset()
    {
        var file = GuestMemory(2 * GiB, (0, 96 * MiB, 2 * GiB));
        file.DevicePath = "/dev/dax0.3";

        var plan = QemuArgs.Build(file, "/sys/bus/nd/devices/region0");

        Assert.Equal("memory-backend-file,id=lu-ram0,mem-path=/dev/dax0.3,size=2G,share=on,align=2M", plan.Object);
        Assert.Equal(("/dev/dax0.3", 0UL), (plan.MemPath, plan.RegionOffset));
        Assert.Contains("only the file's owner", QemuArgsCommand.OwnDeviceNote(plan.MemPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SeveralExtents_IsRefused_NamingTheCountAndWhatToDo()
    {
        var file = GuestMemory(4 * GiB + 4 * MiB, (3 * GiB, 6 * GiB + 2 * MiB, GiB + 4 * MiB), (0, GiB, GiB), (GiB, 3 * GiB, 2 * GiB));

        var failure = Assert.Throws<CliException>(() => QemuArgs.Build(file, "/dev/dax0.0"));

        Assert.Equal(1, failure.ExitCode);
        Assert.Equal("/vm/web-01/ram lies in 3 extents of the region, and QEMU maps boot RAM from one contiguous run: " +
            "recreate it when the region has a free run of 4.0 GiB (luctl region shows the largest free extent)", failure.Message);
    }

    [Fact]
    public void Write_OneExtent_HandWorkedText()
    {
        var output = new StringWriter { NewLine = "\n" };
        QemuArgsCommand.Write(output, QemuArgs.Build(GuestMemory(256 * MiB, (0, 6 * MiB, 256 * MiB)), "/dev/shm/liveupdate/region"));

        Assert.Equal(
            """
            # /vm/web-01/ram: 256.0 MiB of guest memory at 0x600000 of /dev/shm/liveupdate/region (QEMU >= 8.1)
            -object memory-backend-file,id=lu-ram0,mem-path=/dev/shm/liveupdate/region,offset=6M,size=256M,share=on,align=2M \
            -machine memory-backend=lu-ram0 \
            -m 256M

            """,
            output.ToString());
    }

    [Fact]
    public void Build_PathWithACommaOrASpace_IsEscapedForQemuAndQuotedForTheShell()
    {
        var plan = QemuArgs.Build(GuestMemory(2 * MiB, (0, 4 * MiB, 2 * MiB)), "/srv/lu,a b/region");
        var output = new StringWriter { NewLine = "\n" };
        QemuArgsCommand.Write(output, plan);

        Assert.Equal("memory-backend-file,id=lu-ram0,mem-path=/srv/lu,,a b/region,offset=4M,size=2M,share=on,align=2M", plan.Object);
        Assert.Contains("-object 'memory-backend-file,id=lu-ram0,mem-path=/srv/lu,,a b/region,offset=4M,size=2M,share=on,align=2M' \\\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExtentNotAtFileOffsetZero_Fails()
    {
        var failure = Assert.Throws<CliException>(() => QemuArgs.Build(GuestMemory(2 * MiB, (2 * MiB, 8 * MiB, 2 * MiB)), "/dev/dax0.0"));

        Assert.Equal(1, failure.ExitCode);
        Assert.Contains("covers [0x200000, +2097152) of its 2097152 bytes", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExtentShortOfTheSize_Fails() =>
        Assert.Equal(1, Assert.Throws<CliException>(() => QemuArgs.Build(GuestMemory(4 * MiB, (0, 4 * MiB, 2 * MiB)), "/dev/dax0.0")).ExitCode);

    [Theory]
    [InlineData(FileKind.DeviceState)]
    [InlineData(FileKind.Blob)]
    [InlineData(FileKind.Directory)]
    public void Build_NotGuestMemory_IsAUsageError(FileKind kind)
    {
        var file = GuestMemory(2 * MiB, (0, 4 * MiB, 2 * MiB));
        file.Kind = kind;

        Assert.Equal(2, Assert.Throws<CliException>(() => QemuArgs.Build(file, "/dev/dax0.0")).ExitCode);
    }
}
