namespace LiveUpdate.Service.Security;

/// <summary>The <see cref="Caller"/> of a connection, set once per connection by <see cref="PeerCredentialsMiddleware"/>.</summary>
internal sealed record CallerFeature(Caller Caller);
