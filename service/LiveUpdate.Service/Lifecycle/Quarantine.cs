using System.Globalization;
using LiveUpdate.Region;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// Where reconcile moves orphaned files: <c>/quarantine/{UTC time}/{original path}</c>, one batch directory per
/// reconcile, so an operator can see what was moved when and move it back with Rename. Nothing here is ever deleted except
/// by <see cref="Collect"/> (luctl gc), which removes whole batches older than a given age. Callers hold the mutation lock.
/// </summary>
internal static class Quarantine
{
    /// <summary>The quarantine's root directory.</summary>
    public const string Root = "/quarantine";

    /// <summary>Mode of the directories quarantine creates (0700: root's business).</summary>
    private const uint DirectoryMode = 0x1C0;

    /// <summary>True when <paramref name="path"/> is inside the quarantine or /lost+found (not a live file of any VM).</summary>
    public static bool IsSetAside(string path) =>
        path.StartsWith(Root + "/", StringComparison.Ordinal) || path.StartsWith("/lost+found/", StringComparison.Ordinal);

    /// <summary>The batch directory a reconcile at <paramref name="now"/> moves files into (not created yet).</summary>
    public static string NewBatch(PersistentRegion region, DateTimeOffset now)
    {
        var name = $"{Root}/{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var batch = name;
        for (var n = 2; region.Exists(batch); n++)
        {
            batch = $"{name}-{n}";
        }

        return batch;
    }

    /// <summary>Moves <paramref name="path"/> to <paramref name="batch"/> + path, creating directories on the way; returns where.</summary>
    public static string Move(PersistentRegion region, string batch, string path)
    {
        var target = batch + path;
        var parent = target[..target.LastIndexOf('/')];
        var walked = string.Empty;
        foreach (var component in parent.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            walked += "/" + component;
            if (!region.Exists(walked))
            {
                region.MakeDirectory(walked, new CreateFileOptions(Guid.Empty, 0, DirectoryMode));
            }
        }

        region.Rename(path, target);
        return target;
    }

    /// <summary>Deletes the batches quarantined at least <paramref name="olderThan"/> before <paramref name="now"/>.</summary>
    public static GarbageCollection Collect(PersistentRegion region, TimeSpan olderThan, DateTimeOffset now, bool dryRun)
    {
        var response = new GarbageCollection();
        if (!region.Exists(Root))
        {
            return response;
        }

        foreach (var batch in region.List(Root))
        {
            var contents = new List<RegionFileInfo>();
            Walk(region, batch, contents);
            if (batch.Kind != FileKind.Directory || now - batch.CreatedAt < olderThan)
            {
                response.Kept += (uint)contents.Count(f => f.Kind != FileKind.Directory) + (batch.Kind == FileKind.Directory ? 0u : 1u);
                continue;
            }

            // Deepest first, so each directory is empty when its turn comes.
            foreach (var entry in contents.OrderByDescending(f => f.Path.Length))
            {
                if (entry.Kind != FileKind.Directory)
                {
                    response.Removed.Add(entry.Path);
                    response.BytesFreed += (ulong)entry.AllocatedBytes;
                }

                if (!dryRun)
                {
                    region.Remove(entry.Path);
                }
            }

            if (!dryRun)
            {
                region.Remove(batch.Path);
            }
        }

        return response;
    }

    private static void Walk(PersistentRegion region, RegionFileInfo directory, List<RegionFileInfo> into)
    {
        if (directory.Kind != FileKind.Directory)
        {
            return;
        }

        foreach (var entry in region.List(directory.Path))
        {
            into.Add(entry);
            Walk(region, entry, into);
        }
    }
}
