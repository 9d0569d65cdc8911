using Grpc.Core;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Api;

/// <summary>The caller of a gRPC call, and the admin-only check.</summary>
internal static class Callers
{
    /// <summary>The caller, from the connection's SO_PEERCRED (set by <see cref="PeerCredentialsMiddleware"/>).</summary>
    public static Caller Of(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<CallerFeature>()?.Caller
        ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "no peer credentials: call the daemon on its Unix socket"));

    /// <summary>PERMISSION_DENIED unless <paramref name="caller"/> is root or in the admin group.</summary>
    public static void DemandAdmin(Caller caller, string action)
    {
        if (!caller.IsAdmin)
        {
            throw new DaemonException(DaemonError.Denied, $"uid {caller.Uid} may not {action}: only root and the admin group (--admin-group) may");
        }
    }
}
