using System.Buffers.Binary;
using System.Security.Cryptography;
using LiveUpdate.Protocol;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// One-time tokens for the descriptor socket: <see cref="HandoutToken.Size"/> bytes from
/// <see cref="RandomNumberGenerator"/>, valid once, for <see cref="Lifetime"/> on <see cref="TimeProvider"/>'s clock, bound
/// to the uid that called Open. Presenting a token consumes it whatever the outcome. Expired tokens are remembered for
/// <see cref="ExpiredMemory"/> (so a late client hears "expired" rather than "unknown"), and at most
/// <see cref="Capacity"/> tokens are held: when full, expired ones are dropped first and then Open is refused
/// (RESOURCE_EXHAUSTED) until tokens are used or expire. Thread-safe.
/// </summary>
internal sealed class HandoutTokens(TimeProvider time)
{
    /// <summary>Most tokens held at once.</summary>
    public const int Capacity = 65_536;

    /// <summary>How long a token is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long an expired token is still recognised as expired.</summary>
    public static readonly TimeSpan ExpiredMemory = TimeSpan.FromMinutes(5);

    private const int PurgeEvery = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, HandoutGrant> _grants = [];
    private int _issuedSincePurge;

    /// <summary>Tokens held (issued, not yet presented, not yet forgotten).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _grants.Count;
            }
        }
    }

    /// <summary>
    /// Issues a token for <paramref name="grant"/>; returns the token and the grant with its expiry, or null when
    /// <see cref="Capacity"/> unexpired tokens are outstanding.
    /// </summary>
    public (byte[] Token, HandoutGrant Grant)? TryIssue(HandoutGrant grant)
    {
        var token = new byte[HandoutToken.Size];
        var now = time.GetUtcNow();
        var issued = grant with { ExpiresAt = now + Lifetime };
        lock (_lock)
        {
            if (++_issuedSincePurge >= PurgeEvery || _grants.Count >= Capacity)
            {
                Purge(now - ExpiredMemory);
                if (_grants.Count >= Capacity)
                {
                    Purge(now);
                }

                _issuedSincePurge = 0;
                if (_grants.Count >= Capacity)
                {
                    return null;
                }
            }

            UInt128 key;
            do
            {
                RandomNumberGenerator.Fill(token);
                key = BinaryPrimitives.ReadUInt128LittleEndian(token);
            }
            while (!_grants.TryAdd(key, issued));
        }

        return (token, issued);
    }

    /// <summary>
    /// Presents <paramref name="token"/> for a peer with uid <paramref name="peerUid"/>: consumes it, and says whether it
    /// grants a descriptor (<see cref="HandoutStatus.Ok"/>, with <paramref name="grant"/>) or why not.
    /// </summary>
    public HandoutStatus Redeem(ReadOnlySpan<byte> token, uint peerUid, out HandoutGrant? grant)
    {
        grant = null;
        if (token.Length != HandoutToken.Size)
        {
            return HandoutStatus.MalformedRequest;
        }

        var key = BinaryPrimitives.ReadUInt128LittleEndian(token);
        HandoutGrant? found;
        lock (_lock)
        {
            if (!_grants.Remove(key, out found))
            {
                return HandoutStatus.UnknownToken;
            }
        }

        grant = found;
        if (time.GetUtcNow() >= found.ExpiresAt)
        {
            return HandoutStatus.Expired;
        }

        return peerUid == found.Uid ? HandoutStatus.Ok : HandoutStatus.PeerUidMismatch;
    }

    /// <summary>
    /// Forgets every outstanding read-write token (a freeze closes the gate: a descriptor that writes must not be handed
    /// out after it, whenever its Open was granted); returns how many.
    /// </summary>
    public int RevokeWritable()
    {
        var revoked = 0;
        lock (_lock)
        {
            foreach (var (key, value) in _grants)
            {
                if (value.Writable)
                {
                    _grants.Remove(key);
                    revoked++;
                }
            }
        }

        return revoked;
    }

    /// <summary>Forgets tokens that expired before <paramref name="cutoff"/>. Called under the lock.</summary>
    private void Purge(DateTimeOffset cutoff)
    {
        foreach (var (key, value) in _grants)
        {
            if (value.ExpiresAt <= cutoff)
            {
                _grants.Remove(key);
            }
        }
    }
}
