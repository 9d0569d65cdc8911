using System.Globalization;

namespace LiveUpdate.Service.Limits;

/// <summary>
/// Counts things held at once (connections, streams) per uid and in total, and refuses one more past a limit (0 =
/// unlimited): a uid outside the admin group past its own limit or past the total; an administrator only past the total
/// plus <see cref="AdminHeadroom"/>, and never past a per-uid limit, so no uid filling the total keeps root out
/// (docs/design.md §13). Thread-safe; each successful <see cref="TryAcquire"/> is paired with one <see cref="Release"/>.
/// </summary>
internal sealed class UidSlots(string what, string totalOption, int total, string perUidOption, int perUid, int adminHeadroom)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, int> _byUid = [];
    private int _held;
    private int _heldByOthers;

    /// <summary>How many more an administrator may hold beyond the total.</summary>
    public int AdminHeadroom => adminHeadroom;

    /// <summary>Held now, by everyone.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>Held now by <paramref name="uid"/>.</summary>
    public int HeldBy(uint uid)
    {
        lock (_lock)
        {
            return _byUid.GetValueOrDefault(uid);
        }
    }

    /// <summary>Takes a slot for <paramref name="uid"/>; returns null, or why not (naming the option) when it may not.</summary>
    public string? TryAcquire(uint uid, bool isAdmin)
    {
        lock (_lock)
        {
            var mine = _byUid.GetValueOrDefault(uid);
            if (!isAdmin && perUid > 0 && mine >= perUid)
            {
                return Refusal($"uid {uid} holds {mine} {what}, its limit (--{perUidOption} {perUid})");
            }

            if (total > 0 && (isAdmin ? _held >= total + adminHeadroom : _heldByOthers >= total))
            {
                return Refusal(string.Create(CultureInfo.InvariantCulture,
                    $"{(isAdmin ? _held : _heldByOthers)} {what} are open, the limit (--{totalOption} {total}{(isAdmin ? $", and {adminHeadroom} more for administrators" : string.Empty)})"));
            }

            _byUid[uid] = mine + 1;
            _held++;
            if (!isAdmin)
            {
                _heldByOthers++;
            }

            return null;
        }
    }

    /// <summary>Gives back a slot <see cref="TryAcquire"/> gave <paramref name="uid"/>.</summary>
    public void Release(uint uid, bool isAdmin)
    {
        lock (_lock)
        {
            var mine = _byUid.GetValueOrDefault(uid) - 1;
            if (mine <= 0)
            {
                _byUid.Remove(uid);
            }
            else
            {
                _byUid[uid] = mine;
            }

            _held--;
            if (!isAdmin)
            {
                _heldByOthers--;
            }
        }
    }

    private static string Refusal(string reason) => $"limit: {reason}; close some and retry";
}
