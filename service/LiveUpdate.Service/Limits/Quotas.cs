using System.Globalization;
using LiveUpdate.Region;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Limits;

/// <summary>
/// Per-uid quotas (docs/design.md §13): what each uid owns (allocated bytes, inodes), counted from the engine's files at
/// attach and by <see cref="Recount"/>, kept current by the Files API's changes, and checked before a change that would
/// grow a uid past its quota, which is then refused with <see cref="DaemonError.Exhausted"/> naming the setting, before
/// anything is changed. Owners that <see cref="QuotaExemption"/> exempts are counted but never refused. The callers hold
/// the region's mutation lock around check and change, so two calls cannot both pass a check that only one fits in.
/// </summary>
internal sealed class Quotas(IOptions<DaemonOptions> options, QuotaExemption exemption)
{
    /// <summary>What every kind but guest memory (whole 2 MiB granules already) is allocated in (docs/design.md §4).</summary>
    private const long SmallGranule = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<uint, UidUsage> _usage = [];
    private long _regionBytes;

    /// <summary>
    /// Counts every file and directory of <paramref name="region"/> by owner, replacing what was known;
    /// <paramref name="capacityBytes"/> is what percentage quotas are of (on the namespaces backend, the whole nd region).
    /// </summary>
    public void Recount(PersistentRegion region, long capacityBytes)
    {
        var counted = new Dictionary<uint, UidUsage>();
        var directories = new Stack<string>();
        directories.Push("/");
        while (directories.TryPop(out var directory))
        {
            foreach (var entry in region.List(directory))
            {
                counted[entry.OwnerUid] = counted.GetValueOrDefault(entry.OwnerUid).Plus(entry.AllocatedBytes, 1);
                if (entry.Kind == FileKind.Directory)
                {
                    directories.Push(entry.Path);
                }
            }
        }

        lock (_lock)
        {
            _regionBytes = capacityBytes;
            _usage.Clear();
            foreach (var (uid, usage) in counted)
            {
                _usage[uid] = usage;
            }
        }
    }

    /// <summary>What <paramref name="uid"/> owns now.</summary>
    public UidUsage UsageOf(uint uid)
    {
        lock (_lock)
        {
            return _usage.GetValueOrDefault(uid);
        }
    }

    /// <summary>Every uid that owns something, with what it owns, by uid.</summary>
    public IReadOnlyList<(uint Uid, UidUsage Usage)> All()
    {
        lock (_lock)
        {
            return _usage.Where(pair => pair.Value.Inodes > 0).OrderBy(pair => pair.Key).Select(pair => (pair.Key, pair.Value)).ToList();
        }
    }

    /// <summary>The quota of <paramref name="uid"/>: its override, else <c>--quota-bytes</c>/<c>--quota-inodes</c>; unlimited when exempt.</summary>
    public UidQuota QuotaOf(uint uid)
    {
        if (exemption.IsExempt(uid))
        {
            return UidQuota.Unlimited;
        }

        var settings = options.Value;
        var custom = settings.QuotaOverrides.GetValueOrDefault(uid);
        var prefix = $"{DaemonOptions.SectionName}:{QuotaOverride.SectionName}:{uid}:";
        var (bytes, bytesSetting) = custom?.Bytes is { } ownBytes
            ? (ownBytes, prefix + QuotaOverride.BytesKey)
            : (settings.QuotaBytes, "--" + DaemonOptionNames.QuotaBytes);
        var (inodes, inodesSetting) = custom?.Inodes is { } ownInodes
            ? (ownInodes, prefix + QuotaOverride.InodesKey)
            : (settings.QuotaInodes, "--" + DaemonOptionNames.QuotaInodes);
        long regionBytes;
        lock (_lock)
        {
            regionBytes = _regionBytes;
        }

        // A share of an empty region is no byte at all; a share of a real one is at least a byte, never "unlimited".
        var resolved = bytes.Percent > 0 ? Math.Max(1, bytes.Resolve(regionBytes)) : bytes.Bytes;
        return new UidQuota(resolved, bytesSetting, inodes, inodesSetting);
    }

    /// <summary>Creates a file or directory (<paramref name="size"/> 0) owned by <paramref name="owner"/> through <paramref name="create"/> if the quota allows.</summary>
    public RegionFileInfo Create(uint owner, long size, Func<RegionFileInfo> create)
    {
        Demand(owner, Allocation(size), 1);
        var file = create();
        Add(file.OwnerUid, file.AllocatedBytes, 1);
        return file;
    }

    /// <summary>Resizes <paramref name="current"/> to <paramref name="size"/> through <paramref name="resize"/> if its owner's quota allows.</summary>
    public RegionFileInfo Resize(RegionFileInfo current, long size, Func<RegionFileInfo> resize)
    {
        Demand(current.OwnerUid, Allocation(size) - current.AllocatedBytes, 0);
        var file = resize();
        Add(file.OwnerUid, file.AllocatedBytes - current.AllocatedBytes, 0);
        return file;
    }

    /// <summary>Refuses contents of <paramref name="length"/> bytes for <paramref name="file"/> that its owner's quota has no room for.</summary>
    public void DemandContents(RegionFileInfo file, long length) => Demand(file.OwnerUid, Allocation(length) - file.AllocatedBytes, 0);

    /// <summary>Commits new contents of <paramref name="length"/> bytes for <paramref name="path"/> through <paramref name="commit"/> if its owner's quota allows.</summary>
    public RegionFileInfo ReplaceContents(PersistentRegion region, string path, long length, Func<RegionFileInfo> commit)
    {
        var before = region.Stat(path);
        DemandContents(before, length);
        var file = commit();
        Add(file.OwnerUid, file.AllocatedBytes - before.AllocatedBytes, 0);
        return file;
    }

    /// <summary>Records that <paramref name="file"/> was removed.</summary>
    public void Removed(RegionFileInfo file) => Add(file.OwnerUid, -file.AllocatedBytes, -1);

    private static long Allocation(long size) => size <= 0 ? 0 : (size + SmallGranule - 1) / SmallGranule * SmallGranule;

    private void Add(uint uid, long bytes, long inodes)
    {
        lock (_lock)
        {
            _usage[uid] = _usage.GetValueOrDefault(uid).Plus(bytes, inodes);
        }
    }

    private void Demand(uint uid, long moreBytes, long moreInodes)
    {
        if (moreBytes <= 0 && moreInodes <= 0)
        {
            return;
        }

        var quota = QuotaOf(uid);
        var usage = UsageOf(uid);
        if (moreBytes > 0 && quota.Bytes > 0 && usage.Bytes + moreBytes > quota.Bytes)
        {
            throw new DaemonException(DaemonError.Exhausted,
                $"quota: uid {uid} would use {QuotaText.Size(usage.Bytes + moreBytes)} of its {QuotaText.Size(quota.Bytes)} {quota.BytesSetting} ({QuotaText.Size(usage.Bytes)} in use); nothing was changed");
        }

        if (moreInodes > 0 && quota.Inodes > 0 && usage.Inodes + moreInodes > quota.Inodes)
        {
            throw new DaemonException(DaemonError.Exhausted, string.Create(CultureInfo.InvariantCulture,
                $"quota: uid {uid} would own {usage.Inodes + moreInodes} inodes of its {quota.Inodes} {quota.InodesSetting}; nothing was changed"));
        }
    }
}
