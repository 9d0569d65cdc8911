using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;
using LiveUpdate.Region.Namespaces;

namespace LiveUpdate.Region;

/// <summary>
/// The namespaces backend (docs/design.md §3): each guest-memory file is a devdax namespace of its own. Order of
/// operations keeps a crash harmless: create makes and zeroes the namespace, then commits the inode; remove commits
/// the inode's removal, then scrubs and destroys the namespace. A crash in between leaves a <c>lu-*</c> namespace no
/// inode names, which <see cref="RemoveOrphanNamespaces"/> (at attach and reconcile) scrubs and destroys; an inode
/// whose namespace is gone is never repaired by guessing, only reported by check.
/// </summary>
public sealed partial class PersistentRegion
{
    /// <summary>True on the namespaces backend.</summary>
    internal bool UsesNamespaces => _options.Namespaces is not null;

    /// <summary>
    /// Scrubs and destroys every <c>lu-*</c> namespace no file names (left by a crash between a namespace's creation
    /// and its inode's commit, or between a removal's commit and the namespace's destruction). Returns their names;
    /// empty on other backends. Namespaces with other names are not the engine's and are left alone. One the directory
    /// fails to destroy stays (the directory says why) and check keeps reporting it.
    /// </summary>
    public IReadOnlyList<string> RemoveOrphanNamespaces()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_options.Namespaces is not { } directory)
            {
                return [];
            }

            var removed = new List<string>();
            foreach (var space in NamespaceComparison.Orphans(_nodes.Values, directory.List()))
            {
                if (DestroyQuietly(directory, space))
                {
                    removed.Add(space.Name);
                }
            }

            return removed;
        }
    }

    /// <summary>
    /// Resolves every namespace-backed file to its namespace now (device numbers change across a kexec) and gives each
    /// device node to the file's owner, 0600 (devtmpfs recreates nodes as root 0600 at every boot).
    /// Returns the files whose namespace is missing or does not match their extent.
    /// </summary>
    private List<CheckProblem> BindNamespaces(INamespaceDirectory directory)
    {
        var byName = directory.List().ToDictionary(space => space.Name, StringComparer.Ordinal);
        var problems = new List<CheckProblem>();
        foreach (var node in _nodes.Values)
        {
            if (!node.NamespaceBacked)
            {
                continue;
            }

            node.Namespace = null;
            if (NamespaceComparison.Problem(node, _inodes.SlotOffset(node.Number), byName, _device.PhysicalBase) is { } problem)
            {
                problems.Add(problem);
                continue;
            }

            node.Namespace = byName[NamespaceNames.ForFile(node.InstanceId)];
            directory.SetOwner(node.Namespace, node.OwnerUid);
        }

        return problems;
    }

    /// <summary>Check's comparison of namespaces with files (see <see cref="NamespaceComparison"/>).</summary>
    private void CompareNamespaces(INamespaceDirectory directory, bool repair, List<CheckProblem> problems) =>
        NamespaceComparison.Compare(directory, _nodes.Values, _inodes.SlotOffset, _device.PhysicalBase, repair, problems);

    /// <summary>
    /// Creates guest memory on the namespaces backend: makes, zeroes and owns the namespace first, then commits the inode
    /// that names it. A refusal of the commit (the engine's own errors) destroys the namespace again; anything else is a
    /// crash, after which the namespace is an orphan for <see cref="RemoveOrphanNamespaces"/>.
    /// </summary>
    private Node CreateNamespaceBacked(Node parent, string name, long size, CreateFileOptions options)
    {
        var directory = _options.Namespaces!;
        EnsureFreeInode();
        var instanceId = _options.NewInstanceId();
        var space = directory.Create(NamespaceNames.ForFile(instanceId), size, options.OwnerUid);
        try
        {
            var offset = RegionOffsetOf(space);
            if (space.Size < size || offset < _device.Size || offset % RegionLayout.LargeGranule != 0)
            {
                throw new RegionException(RegionError.Io,
                    $"namespace {space.Name} ({space.DevicePath}) holds {space.Size} bytes at region offset 0x{offset:x}; " +
                    $"{size} bytes, 2 MiB aligned, past the metadata device's {_device.Size} bytes were needed");
            }

            _options.FaultInjector?.Reached(FaultPoint.NamespaceCreated);
            return CreateCore(parent, name, FileKind.GuestMemory, size, size, options, space, instanceId);
        }
        catch (RegionException)
        {
            DestroyQuietly(directory, space);
            throw;
        }
    }

    /// <summary>After a removal's commit: scrubs and destroys the namespace; a failure leaves an orphan for <see cref="RemoveOrphanNamespaces"/>.</summary>
    private void ReleaseNamespace(Node node)
    {
        if (_options.Namespaces is { } directory && node.Namespace is { } space)
        {
            DestroyQuietly(directory, space);
        }
    }

    /// <summary>Destroys a namespace no inode names; false when it failed (the directory logs why, and the orphan is removed later).</summary>
    private static bool DestroyQuietly(INamespaceDirectory directory, NamespaceInfo space)
    {
        try
        {
            directory.Destroy(space);
            return true;
        }
        catch (RegionException)
        {
            // No inode names it: the next RemoveOrphanNamespaces (attach, reconcile, check --repair) finishes the job.
            return false;
        }
    }

    /// <summary>Region offset of a namespace's first byte: its physical start minus the metadata device's (RegionInfo.PhysicalBase).</summary>
    private long RegionOffsetOf(NamespaceInfo space) => NamespaceComparison.RegionOffsetOf(space, _device.PhysicalBase);
}
