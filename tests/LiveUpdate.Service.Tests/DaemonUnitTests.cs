using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Api;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Tests;

public sealed class DaemonUnitTests
{
    [Theory]
    [InlineData(RegionError.InvalidArgument, StatusCode.InvalidArgument)]
    [InlineData(RegionError.NotFound, StatusCode.NotFound)]
    [InlineData(RegionError.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(RegionError.NoSpace, StatusCode.ResourceExhausted)]
    [InlineData(RegionError.NotEmpty, StatusCode.FailedPrecondition)]
    [InlineData(RegionError.WrongKind, StatusCode.FailedPrecondition)]
    [InlineData(RegionError.FailedPrecondition, StatusCode.FailedPrecondition)]
    [InlineData(RegionError.Corrupt, StatusCode.DataLoss)]
    [InlineData(RegionError.Busy, StatusCode.Unavailable)]
    [InlineData(RegionError.Io, StatusCode.Internal)]
    public void RegionErrorMapping_MapsEachErrorToItsDocumentedCode(RegionError error, StatusCode code) =>
        Assert.Equal(code, RegionErrorMapping.ToStatusCode(error));

    [Fact]
    public void RegionErrorMapping_CoversEveryError()
    {
        foreach (var error in Enum.GetValues<RegionError>())
        {
            Assert.NotEqual(StatusCode.OK, RegionErrorMapping.ToStatusCode(error));
        }
    }

    [Fact]
    public void CommandLine_ReadsValuesFlagsAndEqualsForms()
    {
        var parsed = CommandLine.Parse(["--region", "/dev/dax0.0", "--format", "--metrics-port=9464", "--region-size", "2GiB"]);
        Assert.False(parsed.Help);
        Assert.Equal("/dev/dax0.0", parsed.Settings["LiveUpdate:region"]);
        Assert.Equal("true", parsed.Settings["LiveUpdate:format"]);
        Assert.Equal("9464", parsed.Settings["LiveUpdate:metrics-port"]);
        Assert.True(CommandLine.Parse(["--help"]).Help);
    }

    [Theory]
    [InlineData("--unknown")]
    [InlineData("stray")]
    [InlineData("--region")]
    public void CommandLine_BadArguments_AreRefused(string arg) =>
        Assert.Throws<FormatException>(() => CommandLine.Parse([arg]));

    [Fact]
    public void ProcessGroups_ParsesSupplementaryGroupsOnlyForTheExpectedUid()
    {
        string[] status = ["Name:\tqemu", "Uid:\t1000\t1000\t1000\t1000", "Gid:\t100\t100\t100\t100", "Groups:\t4 24 4243 "];
        Assert.Equal([4u, 24u, 4243u], ProcessGroups.Parse(status, 1000)!.Order());
        Assert.Null(ProcessGroups.Parse(status, 1001));
    }

    [Fact]
    public void CallerAuthorization_OwnersAndAdminsManage_OthersDoNot()
    {
        var user = new Caller(new PeerCredentials(10, 1000, 1000), IsAdmin: false);
        var admin = new Caller(new PeerCredentials(11, 1001, 1001), IsAdmin: true);
        Assert.True(CallerAuthorization.MayManage(user, 1000));
        Assert.False(CallerAuthorization.MayManage(user, 0));
        Assert.True(CallerAuthorization.MayManage(admin, 0));
        Assert.Equal(1000u, CallerAuthorization.OwnerForNewFile(user, null));
        Assert.Equal(1000u, CallerAuthorization.OwnerForNewFile(user, 1000));
        Assert.Null(CallerAuthorization.OwnerForNewFile(user, 0));
        Assert.Equal(0u, CallerAuthorization.OwnerForNewFile(admin, 0));
    }
}
