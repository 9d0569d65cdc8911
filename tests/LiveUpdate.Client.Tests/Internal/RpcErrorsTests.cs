using Grpc.Core;
using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client.Tests.Internal;

public sealed class RpcErrorsTests
{
    [Theory]
    [InlineData(StatusCode.InvalidArgument, LiveUpdateError.InvalidArgument, "INVALID_ARGUMENT")]
    [InlineData(StatusCode.NotFound, LiveUpdateError.NotFound, "NOT_FOUND")]
    [InlineData(StatusCode.AlreadyExists, LiveUpdateError.AlreadyExists, "ALREADY_EXISTS")]
    [InlineData(StatusCode.ResourceExhausted, LiveUpdateError.ResourceExhausted, "RESOURCE_EXHAUSTED")]
    [InlineData(StatusCode.FailedPrecondition, LiveUpdateError.FailedPrecondition, "FAILED_PRECONDITION")]
    [InlineData(StatusCode.PermissionDenied, LiveUpdateError.PermissionDenied, "PERMISSION_DENIED")]
    [InlineData(StatusCode.Unavailable, LiveUpdateError.Unavailable, "UNAVAILABLE")]
    [InlineData(StatusCode.DataLoss, LiveUpdateError.DataLoss, "DATA_LOSS")]
    [InlineData(StatusCode.DeadlineExceeded, LiveUpdateError.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [InlineData(StatusCode.Internal, LiveUpdateError.Unknown, "INTERNAL")]
    [InlineData(StatusCode.Unimplemented, LiveUpdateError.Unknown, "UNIMPLEMENTED")]
    public void Translate_MapsEveryContractStatus(StatusCode code, LiveUpdateError error, string name)
    {
        var rpc = new RpcException(new Status(code, "detail text"));

        LiveUpdateException e = RpcErrors.Translate(rpc, "Stat of /a", "/run/liveupdate/liveupdate.sock");

        Assert.Equal(error, e.Error);
        Assert.Equal(code, e.StatusCode);
        Assert.Equal("detail text", e.ServerMessage);
        Assert.StartsWith($"Stat of /a failed: {name}: detail text", e.Message, StringComparison.Ordinal);
        Assert.Same(rpc, e.InnerException);
    }
}
