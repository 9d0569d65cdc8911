namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// A plain in-memory model of a region's tree (paths, kinds, sizes) with the engine's preconditions: the
/// worker uses it to pick sensible operations, the crash test as the oracle that DONE operations are
/// replayed into and compared against what a re-attached region holds.
/// </summary>
public sealed class ModelTree
{
    private const string Root = "/";

    private readonly Dictionary<string, ModelEntry> _entries;
    private readonly Dictionary<string, int> _childCounts;

    /// <summary>An empty tree: just the root directory.</summary>
    public ModelTree()
    {
        _entries = new Dictionary<string, ModelEntry>(StringComparer.Ordinal);
        _childCounts = new Dictionary<string, int>(StringComparer.Ordinal) { [Root] = 0 };
    }

    private ModelTree(ModelTree other)
    {
        _entries = new Dictionary<string, ModelEntry>(other._entries, StringComparer.Ordinal);
        _childCounts = new Dictionary<string, int>(other._childCounts, StringComparer.Ordinal);
    }

    /// <summary>Every path except the root, with what it is.</summary>
    public IReadOnlyDictionary<string, ModelEntry> Entries => _entries;

    /// <summary>Every directory, the root included.</summary>
    public IEnumerable<string> Directories => _childCounts.Keys;

    /// <summary>A copy that changes independently.</summary>
    public ModelTree Clone() => new(this);

    /// <summary>True when <paramref name="path"/> is the root or an entry.</summary>
    public bool Contains(string path) => path == Root || _entries.ContainsKey(path);

    /// <summary>True when <paramref name="path"/> is a directory (the root included).</summary>
    public bool IsDirectory(string path) => _childCounts.ContainsKey(path);

    /// <summary>Entries directly inside the directory <paramref name="path"/>.</summary>
    public int ChildCount(string path) => _childCounts.GetValueOrDefault(path);

    /// <summary>The directory holding <paramref name="path"/>.</summary>
    public static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? Root : path[..slash];
    }

    /// <summary>Joins a directory and a name.</summary>
    public static string Combine(string directory, string name) => directory == Root ? Root + name : directory + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies beneath it.</summary>
    public static bool IsSelfOrBeneath(string path, string ancestor) =>
        ancestor == Root || path == ancestor || path.StartsWith(ancestor + "/", StringComparison.Ordinal);

    /// <summary>Reads the whole tree of an attached region through its public listing API.</summary>
    public static ModelTree FromRegion(PersistentRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var tree = new ModelTree();
        var pending = new Stack<string>();
        pending.Push(Root);
        while (pending.TryPop(out var directory))
        {
            foreach (var info in region.List(directory))
            {
                tree.Add(info.Path, new ModelEntry(info.Kind, info.Kind == FileKind.Directory ? 0 : info.Size));
                if (info.Kind == FileKind.Directory)
                {
                    pending.Push(info.Path);
                }
            }
        }

        return tree;
    }

    /// <summary>
    /// Applies <paramref name="operation"/> if the engine would accept it (sizes are not validated: a DONE
    /// operation had a valid size); otherwise changes nothing and says why.
    /// </summary>
    public bool TryApply(Operation operation, out string why)
    {
        ArgumentNullException.ThrowIfNull(operation);
        switch (operation.Kind)
        {
            case OperationKind.MakeDirectory:
            case OperationKind.Create:
                if (!CanCreate(operation.Path, out why))
                {
                    return false;
                }

                Add(operation.Path, new ModelEntry(operation.Kind == OperationKind.MakeDirectory ? FileKind.Directory : operation.FileKind, operation.Size));
                return true;

            case OperationKind.Resize:
                if (!_entries.TryGetValue(operation.Path, out var entry) || entry.Kind == FileKind.Directory)
                {
                    why = $"'{operation.Path}' is not an existing file";
                    return false;
                }

                _entries[operation.Path] = entry with { Size = operation.Size };
                why = string.Empty;
                return true;

            case OperationKind.Rename:
                var target = operation.NewPath ?? throw new ArgumentException("a rename needs a new path", nameof(operation));
                if (!_entries.ContainsKey(operation.Path))
                {
                    why = $"'{operation.Path}' does not exist";
                    return false;
                }

                if (!CanCreate(target, out why))
                {
                    return false;
                }

                if (IsSelfOrBeneath(target, operation.Path))
                {
                    why = $"'{target}' lies inside '{operation.Path}'";
                    return false;
                }

                Move(operation.Path, target);
                return true;

            case OperationKind.Remove:
                if (!_entries.TryGetValue(operation.Path, out var removed))
                {
                    why = $"'{operation.Path}' does not exist";
                    return false;
                }

                if (removed.Kind == FileKind.Directory && _childCounts[operation.Path] > 0)
                {
                    why = $"directory '{operation.Path}' is not empty";
                    return false;
                }

                _entries.Remove(operation.Path);
                _childCounts.Remove(operation.Path);
                _childCounts[ParentOf(operation.Path)]--;
                why = string.Empty;
                return true;

            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "unknown operation kind");
        }
    }

    /// <summary>True when both trees hold the same paths with the same kinds and sizes.</summary>
    public bool SameAs(ModelTree other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _entries.Count == other._entries.Count
            && _entries.All(pair => other._entries.TryGetValue(pair.Key, out var theirs) && theirs == pair.Value);
    }

    /// <summary>How <paramref name="actual"/> differs from this (expected) tree, at most <paramref name="limit"/> lines.</summary>
    public IReadOnlyList<string> Differences(ModelTree actual, int limit = 20)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var lines = new List<string>();
        foreach (var (path, expected) in _entries.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!actual._entries.TryGetValue(path, out var found))
            {
                lines.Add($"missing {path} ({expected})");
            }
            else if (found != expected)
            {
                lines.Add($"{path}: expected {expected}, found {found}");
            }
        }

        foreach (var (path, found) in actual._entries.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!_entries.ContainsKey(path))
            {
                lines.Add($"unexpected {path} ({found})");
            }
        }

        return lines.Count > limit ? [.. lines.Take(limit), $"… and {lines.Count - limit} more"] : lines;
    }

    private bool CanCreate(string path, out string why)
    {
        if (Contains(path))
        {
            why = $"'{path}' exists";
            return false;
        }

        if (!IsDirectory(ParentOf(path)))
        {
            why = $"'{ParentOf(path)}' is not an existing directory";
            return false;
        }

        why = string.Empty;
        return true;
    }

    private void Add(string path, ModelEntry entry)
    {
        _entries.Add(path, entry);
        _childCounts[ParentOf(path)]++;
        if (entry.Kind == FileKind.Directory)
        {
            _childCounts.Add(path, 0);
        }
    }

    private void Move(string from, string to)
    {
        var moved = _entries.Keys.Where(path => IsSelfOrBeneath(path, from)).ToList();
        var entries = moved.Select(path => (Path: to + path[from.Length..], Entry: _entries[path], Children: _childCounts.GetValueOrDefault(path, -1))).ToList();
        foreach (var path in moved)
        {
            _entries.Remove(path);
            _childCounts.Remove(path);
        }

        foreach (var (path, entry, children) in entries)
        {
            _entries.Add(path, entry);
            if (children >= 0)
            {
                _childCounts.Add(path, children);
            }
        }

        _childCounts[ParentOf(from)]--;
        _childCounts[ParentOf(to)]++;
    }
}
