using LiveUpdate.Cli.Commands;
using LiveUpdate.Cli.Planning;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>Whether a kernel release has the ramdax driver, read from its config where Debian installs it.</summary>
public sealed class KernelConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lu-kconfig-").FullName;

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("CONFIG_RAMDAX=m\n", true)]
    [InlineData("CONFIG_LIBNVDIMM=y\nCONFIG_RAMDAX=y\n", true)]
    [InlineData("CONFIG_LIBNVDIMM=m\n# CONFIG_RAMDAX is not set\n", false)]
    [InlineData("CONFIG_LIBNVDIMM=m\n", false)]
    public void Read_BootConfig_SaysWhatItSets(string config, bool ramdax)
    {
        string path = Write("boot/config-7.3.4+deb13-amd64", config);

        Assert.Equal(new NextKernel("7.3.4+deb13-amd64", ramdax, path), KernelConfig.Read("7.3.4+deb13-amd64", _root));
    }

    [Fact]
    public void Read_NoBootConfig_FallsBackToTheModulesFolder_AsDebian13ShipsIt()
    {
        string path = Write("lib/modules/7.3.4+deb13-amd64/config", "CONFIG_RAMDAX=m\n");

        Assert.Equal(new NextKernel("7.3.4+deb13-amd64", true, path), KernelConfig.Read("7.3.4+deb13-amd64", _root));
    }

    [Fact]
    public void Read_NoConfigAnywhere_IsUnknown()
    {
        Assert.Equal(new NextKernel("6.1.0-40-amd64", null, null), KernelConfig.Read("6.1.0-40-amd64", _root));
    }

    [Theory]
    [InlineData("7.3.4+deb13-amd64", true)]
    [InlineData("6.1.0-40-amd64", true)]
    [InlineData("../../etc/passwd", false)]
    [InlineData("a/b", false)]
    [InlineData(".hidden", false)]
    [InlineData("", false)]
    public void IsRelease_TakesReleasesAndNoPaths(string value, bool release)
    {
        Assert.Equal(release, PlanKexecCommand.IsRelease(value));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
