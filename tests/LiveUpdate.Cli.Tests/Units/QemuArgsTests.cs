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
    public void Build_ThreeExtentsGivenOutOfOrder_OneBackendEachInFileOrder_AsNumaNodes_HandWorkedText()
    {
        // 4 GiB + 4 MiB in three extents: file [0, 1G) at region 1G, [1G, 3G) at region 3G, [3G, 4G+4M) at region 6G+2M.
        var file = GuestMemory(4 * GiB + 4 * MiB, (3 * GiB, 6 * GiB + 2 * MiB, GiB + 4 * MiB), (0, GiB, GiB), (GiB, 3 * GiB, 2 * GiB));

        var plan = QemuArgs.Build(file, "/dev/dax0.0");
        var output = new StringWriter { NewLine = "\n" };
        QemuArgsCommand.Write(output, plan);

        Assert.Equal(
            """
            # /vm/web-01/ram: 4.0 GiB of guest memory in 3 extents of /dev/dax0.0 (QEMU >= 8.1)
            # 3 backends: one NUMA node each (QEMU maps a single backend as boot RAM); place vCPUs with -numa cpu,...
            -object memory-backend-file,id=lu-ram0,mem-path=/dev/dax0.0,offset=1G,size=1G,share=on,align=2M \
            -object memory-backend-file,id=lu-ram1,mem-path=/dev/dax0.0,offset=3G,size=2G,share=on,align=2M \
            -object memory-backend-file,id=lu-ram2,mem-path=/dev/dax0.0,offset=6146M,size=1028M,share=on,align=2M \
            -m 4100M \
            -numa node,nodeid=0,memdev=lu-ram0 \
            -numa node,nodeid=1,memdev=lu-ram1 \
            -numa node,nodeid=2,memdev=lu-ram2

            """,
            output.ToString());
        Assert.Equal([0UL, GiB, 3 * GiB], plan.Backends.Select(b => b.FileOffset));
    }

    [Fact]
    public void Build_PathWithACommaOrASpace_IsEscapedForQemuAndQuotedForTheShell()
    {
        var plan = QemuArgs.Build(GuestMemory(2 * MiB, (0, 4 * MiB, 2 * MiB)), "/srv/lu,a b/region");
        var output = new StringWriter { NewLine = "\n" };
        QemuArgsCommand.Write(output, plan);

        Assert.Equal("memory-backend-file,id=lu-ram0,mem-path=/srv/lu,,a b/region,offset=4M,size=2M,share=on,align=2M", plan.Backends[0].Object);
        Assert.Contains("-object 'memory-backend-file,id=lu-ram0,mem-path=/srv/lu,,a b/region,offset=4M,size=2M,share=on,align=2M' \\\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExtentMapWithAHole_Fails()
    {
        var failure = Assert.Throws<CliException>(() => QemuArgs.Build(GuestMemory(4 * MiB, (0, 4 * MiB, 2 * MiB), (4 * MiB, 8 * MiB, 2 * MiB)), "/dev/dax0.0"));

        Assert.Equal(1, failure.ExitCode);
        Assert.Contains("hole or an overlap at file offset 0x200000", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExtentsShortOfTheSize_Fails() =>
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
