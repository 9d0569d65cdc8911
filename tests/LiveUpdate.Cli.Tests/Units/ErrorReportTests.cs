using Grpc.Core;
using LiveUpdate.Cli.Errors;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>Every daemon status ends as the documented exit code and one line naming the status and what to do.</summary>
public sealed class ErrorReportTests
{
    [Theory]
    [InlineData(StatusCode.FailedPrecondition, 4, "'luctl status'")]
    [InlineData(StatusCode.InvalidArgument, 2, "fix the argument")]
    [InlineData(StatusCode.NotFound, 1, "'luctl ls'")]
    [InlineData(StatusCode.AlreadyExists, 1, "'luctl rm'")]
    [InlineData(StatusCode.ResourceExhausted, 1, "'luctl gc'")]
    [InlineData(StatusCode.PermissionDenied, 1, "admin group")]
    [InlineData(StatusCode.DataLoss, 1, "'luctl check --repair'")]
    [InlineData(StatusCode.Unavailable, 3, "try again in a moment")]
    [InlineData(StatusCode.Unimplemented, 1, "update liveupdated")]
    [InlineData(StatusCode.Internal, 1, "journalctl")]
    public void Describe_StatusFromTheDaemon(StatusCode code, int exitCode, string advice)
    {
        var (actual, line) = ErrorReport.Describe(new RpcException(new Status(code, "what the daemon said\nover two lines")), "create", "/run/liveupdate/liveupdate.sock");

        Assert.Equal(exitCode, actual);
        Assert.StartsWith($"luctl: create: {ErrorReport.CodeName(code)}: what the daemon said over two lines", line, StringComparison.Ordinal);
        Assert.Contains(advice, line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Theory]
    [InlineData("quota: uid 1000 would use 5.0 GiB of its 4.0 GiB --quota-bytes (3.0 GiB in use); nothing was changed", "'luctl usage'")]
    [InlineData("limit: uid 1000 holds 3 gRPC connections, its limit (--max-connections-per-uid 3); close some and retry", "close some and retry")]
    public void Describe_QuotaOrLimit_PointsAtUsageOrStandsAlone(string detail, string advice)
    {
        var (code, line) = ErrorReport.Describe(new RpcException(new Status(StatusCode.ResourceExhausted, detail)), "create", "/s");

        Assert.Equal(1, code);
        Assert.Contains(advice, line, StringComparison.Ordinal);
        Assert.DoesNotContain("'luctl gc'", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_CliFailure_KeepsItsCodeAndText()
    {
        var (code, line) = ErrorReport.Describe(new CliException(4, "the region is a file"), "plan-kexec", "/s");

        Assert.Equal(4, code);
        Assert.Equal("luctl: plan-kexec: the region is a file", line);
    }

    [Fact]
    public void CodeName_IsTheWireSpelling()
    {
        Assert.Equal("FAILED_PRECONDITION", ErrorReport.CodeName(StatusCode.FailedPrecondition));
        Assert.Equal("UNAVAILABLE", ErrorReport.CodeName(StatusCode.Unavailable));
    }
}
