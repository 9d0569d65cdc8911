using System.Buffers.Binary;
using System.Security.Cryptography;
using LiveUpdate.Protocol;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// One-time tokens for the descriptor socket: <see cref="HandoutToken.Size"/> bytes from
/// <see cref="RandomNumberGenerator"/>, valid once, for <see cref="Lifetime"/> on <see cref="TimeProvider"/>'s clock, bound
/// to the uid that called Open. Presenting a token consumes it whatever the outcome. Expired tokens are remembered for
/// <see cref="ExpiredMemory"/> (so a late client hears "expired" rather than "unknown"). Limits (docs/design.md §13),
/// each refusal RESOURCE_EXHAUSTED naming it, expired tokens dropped first: every uid but root and the daemon's own holds
/// at most <c>--max-tokens-per-uid</c> unexpired tokens (the admin group's members too: each is capped on its own, and
/// a runaway tool of theirs must not use up root's), all of them together at most <see cref="Capacity"/> minus
/// <see cref="RootReserve"/>, and root and the daemon's uid the rest up to <see cref="Capacity"/>: no uid can make
/// another's Open fail, and none can keep root from a token. Thread-safe.
/// </summary>
internal sealed class HandoutTokens(TimeProvider time, IOptions<DaemonOptions> options)
{
    /// <summary>Most tokens held at once.</summary>
    public const int Capacity = 65_536;

    /// <summary>Tokens only root and the daemon's uid may take, whatever the other uids hold.</summary>
    public const int RootReserve = 8192;

    /// <summary>How long a token is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long an expired token is still recognised as expired.</summary>
    public static readonly TimeSpan ExpiredMemory = TimeSpan.FromMinutes(5);

    private const int PurgeEvery = 1024;

    /// <summary>The least time between two purges made for a refusal.</summary>
    private static readonly TimeSpan s_purgeInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, (HandoutGrant Grant, bool Exempt)> _grants = [];
    private readonly Dictionary<uint, int> _heldByUid = [];
    private readonly int _maxPerUid = options.Value.MaxTokensPerUid;
    private readonly uint _daemonUid = Interop.Libc.GetEuid();
    private int _heldByOthers;
    private int _issuedSincePurge;
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

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

    /// <summary>Tokens <paramref name="uid"/> holds (issued, not yet presented, not yet forgotten).</summary>
    public int CountOf(uint uid)
    {
        lock (_lock)
        {
            return _heldByUid.GetValueOrDefault(uid);
        }
    }

    /// <summary>The uids holding tokens now.</summary>
    public IReadOnlyList<uint> Holders()
    {
        lock (_lock)
        {
            return [.. _heldByUid.Keys];
        }
    }

    /// <summary>The most tokens <paramref name="uid"/> may hold; 0 = unlimited (root, the daemon's uid, or configured so).</summary>
    public int LimitOf(uint uid) => IsExempt(uid) ? 0 : _maxPerUid;

    /// <summary>
    /// Issues a token for <paramref name="grant"/>; returns the token and the grant with its expiry. Throws
    /// <see cref="DaemonException"/> (<see cref="DaemonError.Exhausted"/>) naming the limit the grant's uid reached.
    /// </summary>
    public (byte[] Token, HandoutGrant Grant) Issue(HandoutGrant grant)
    {
        var exempt = IsExempt(grant.Uid);
        var token = new byte[HandoutToken.Size];
        var now = time.GetUtcNow();
        var issued = grant with { ExpiresAt = now + Lifetime };
        lock (_lock)
        {
            // A purge walks every token: at most one a second on refusals, so a uid hammering at its limit is refused
            // cheaply instead of making every other caller wait for walks of the whole table.
            var refused = Refusal(grant.Uid, exempt) is not null;
            if (++_issuedSincePurge >= PurgeEvery || (refused && now - _lastPurge >= s_purgeInterval))
            {
                Purge(now - ExpiredMemory);
                if (refused)
                {
                    Purge(now);
                }

                _issuedSincePurge = 0;
                _lastPurge = now;
            }

            if (Refusal(grant.Uid, exempt) is { } refusal)
            {
                throw new DaemonException(DaemonError.Exhausted, refusal + "; redeem tokens or let them expire (30 s), then retry");
            }

            UInt128 key;
            do
            {
                RandomNumberGenerator.Fill(token);
                key = BinaryPrimitives.ReadUInt128LittleEndian(token);
            }
            while (!_grants.TryAdd(key, (issued, exempt)));

            _heldByUid[grant.Uid] = _heldByUid.GetValueOrDefault(grant.Uid) + 1;
            if (!exempt)
            {
                _heldByOthers++;
            }
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
        HandoutGrant found;
        lock (_lock)
        {
            if (!_grants.Remove(key, out var held))
            {
                return HandoutStatus.UnknownToken;
            }

            Forget(held);
            found = held.Grant;
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
                if (value.Grant.Writable)
                {
                    _grants.Remove(key);
                    Forget(value);
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
            if (value.Grant.ExpiresAt <= cutoff)
            {
                _grants.Remove(key);
                Forget(value);
            }
        }
    }

    private bool IsExempt(uint uid) => uid == 0 || uid == _daemonUid;

    /// <summary>Why <paramref name="uid"/> may not take one more token now, naming the limit; null when it may. Called under the lock.</summary>
    private string? Refusal(uint uid, bool exempt)
    {
        if (_grants.Count >= Capacity)
        {
            return $"limit: {Capacity} descriptor tokens are outstanding, the most the daemon holds";
        }

        if (exempt)
        {
            return null;
        }

        var mine = _heldByUid.GetValueOrDefault(uid);
        if (_maxPerUid > 0 && mine >= _maxPerUid)
        {
            return $"limit: uid {uid} holds {mine} unredeemed descriptor tokens, its limit (--{DaemonOptionNames.MaxTokensPerUid} {_maxPerUid})";
        }

        return _heldByOthers >= Capacity - RootReserve
            ? $"limit: {_heldByOthers} descriptor tokens are outstanding for uids other than root, the most they may hold together ({Capacity - RootReserve}; {RootReserve} are kept for root)"
            : null;
    }

    /// <summary>Uncounts a token that was just removed. Called under the lock.</summary>
    private void Forget((HandoutGrant Grant, bool Exempt) held)
    {
        var uid = held.Grant.Uid;
        var mine = _heldByUid.GetValueOrDefault(uid) - 1;
        if (mine <= 0)
        {
            _heldByUid.Remove(uid);
        }
        else
        {
            _heldByUid[uid] = mine;
        }

        if (!held.Exempt)
        {
            _heldByOthers--;
        }
    }
}
