using System.Net.Sockets;
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

    [Fact]
    public void Translate_ConnectRefusedWithEacces_IsPermissionDeniedNotUnavailable()
    {
        var connect = new HttpRequestException("Permission denied (localhost:80)", new SocketException((int)SocketError.AccessDenied));
        var rpc = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call.", connect));

        LiveUpdateException e = RpcErrors.Translate(rpc, "Stat of /a", "/run/liveupdate/liveupdate.sock");

        Assert.Equal(LiveUpdateError.PermissionDenied, e.Error);
        Assert.Equal(13, e.Errno);
        Assert.False(RetryingInvoker.IsRetryable(e));
        Assert.Contains("/run/liveupdate/liveupdate.sock", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_ConnectRefusedOtherwise_StaysUnavailable()
    {
        var connect = new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused));
        var rpc = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call.", connect));

        Assert.Equal(LiveUpdateError.Unavailable, RpcErrors.Translate(rpc, "Stat of /a", "/run/liveupdate/liveupdate.sock").Error);
    }

    [Fact]
    public void Translate_ServerClosedTheConnectionGracefully_IsUnavailableAndRetried()
    {
        // What Grpc.Net.Client reports for a call started on a connection the daemon was closing (GOAWAY, NO_ERROR).
        var goaway = new HttpRequestException(HttpRequestError.HttpProtocolError, "The HTTP/2 server closed the connection.",
            new HttpProtocolException(0, "The HTTP/2 server closed the connection. HTTP/2 error code 'NO_ERROR' (0x0).", null));
        var rpc = new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call.", goaway));

        LiveUpdateException e = RpcErrors.Translate(rpc, "Stat of /a", "/run/liveupdate/liveupdate.sock");

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
        Assert.True(RetryingInvoker.IsRetryable(e));
    }

    [Fact]
    public void Translate_ProtocolErrorOtherThanAGracefulClose_StaysInternal()
    {
        var reset = new HttpRequestException(HttpRequestError.HttpProtocolError, "The HTTP/2 server reset the stream.",
            new HttpProtocolException(2, "The HTTP/2 server reset the stream. HTTP/2 error code 'INTERNAL_ERROR' (0x2).", null));
        var rpc = new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call.", reset));

        Assert.False(RetryingInvoker.IsRetryable(RpcErrors.Translate(rpc, "Stat of /a", "/run/liveupdate/liveupdate.sock")));
    }
}
