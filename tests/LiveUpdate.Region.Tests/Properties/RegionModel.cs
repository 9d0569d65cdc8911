namespace LiveUpdate.Region.Tests.Properties;

/// <summary>
/// What the region should hold, as plainly as possible: a dictionary from absolute path to entry (the root is
/// implicit). Each operation returns the error the engine must give, or null and applies itself. The rules are
/// written from the engine's documentation (docs/design.md §4, the public API docs), not from its code, apart from the
/// order in which it checks arguments: kind and size before the path for a create, the path before the size
/// for a resize, the source before the target for a rename.
/// </summary>
public sealed class RegionModel
{
    private const long SmallGranule = 4096;
    private const long LargeGranule = 2L << 20;
    private const long MaximumSize = 1L << 50;
    private const int MaxNameBytes = 255;
    private const int MaxPathLength = 4096;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A file or directory.</summary>
    public sealed record Entry(FileKind Kind, long Size, Guid Vm, uint Owner)
    {
        public long Allocated => Kind == FileKind.Directory ? 0 : AlignUp(Size, Kind == FileKind.GuestMemory ? LargeGranule : SmallGranule);
    }

    public IReadOnlyDictionary<string, Entry> Entries => _entries;

    public IEnumerable<KeyValuePair<string, Entry>> Files => _entries.Where(e => e.Value.Kind != FileKind.Directory);

    public long FileBytes => _entries.Values.Sum(e => e.Allocated);

    public RegionError? MakeDirectory(string path)
    {
        if (ResolveNew(path, out var full) is { } error)
        {
            return error;
        }

        _entries.Add(full, new Entry(FileKind.Directory, 0, Guid.Empty, 0));
        return null;
    }

    /// <summary>
    /// Creates a file. <paramref name="largeFree"/> is what guest memory can use before the operation (whole free
    /// granules), <paramref name="free"/> what small files can use (all free bytes).
    /// </summary>
    public RegionError? CreateFile(string path, FileKind kind, long size, Guid vm, uint owner, long largeFree, long free)
    {
        if (kind == FileKind.Directory || !Enum.IsDefined(kind))
        {
            return RegionError.InvalidArgument;
        }

        if (ValidateSize(kind, size) is { } invalid)
        {
            return invalid;
        }

        if (ResolveNew(path, out var full) is { } error)
        {
            return error;
        }

        var entry = new Entry(kind, size, vm, owner);
        if (entry.Allocated > (kind == FileKind.GuestMemory ? largeFree : free))
        {
            return RegionError.NoSpace;
        }

        _entries.Add(full, entry);
        return null;
    }

    public RegionError? Resize(string path, long size, long largeFree, long free)
    {
        if (Resolve(path, out var full) is { } error)
        {
            return error;
        }

        if (full == "/" || _entries[full].Kind == FileKind.Directory)
        {
            return RegionError.WrongKind;
        }

        var entry = _entries[full];
        if (ValidateSize(entry.Kind, size) is { } invalid)
        {
            return invalid;
        }

        var resized = entry with { Size = size };
        var growth = resized.Allocated - entry.Allocated;
        if (growth > (entry.Kind == FileKind.GuestMemory ? largeFree : free))
        {
            return RegionError.NoSpace;
        }

        _entries[full] = resized;
        return null;
    }

    public RegionError? Rename(string from, string to)
    {
        if (Resolve(from, out var source) is { } error)
        {
            return error;
        }

        if (source == "/")
        {
            return RegionError.InvalidArgument;
        }

        if (ResolveNew(to, out var target) is { } targetError)
        {
            return targetError;
        }

        var targetParent = target[..target.LastIndexOf('/')];
        if (targetParent == source || targetParent.StartsWith(source + "/", StringComparison.Ordinal))
        {
            return RegionError.InvalidArgument; // into its own subtree
        }

        foreach (var key in _entries.Keys.Where(k => k == source || k.StartsWith(source + "/", StringComparison.Ordinal)).ToList())
        {
            var entry = _entries[key];
            _entries.Remove(key);
            _entries.Add(target + key[source.Length..], entry);
        }

        return null;
    }

    public RegionError? Remove(string path)
    {
        if (Resolve(path, out var full) is { } error)
        {
            return error;
        }

        if (full == "/")
        {
            return RegionError.InvalidArgument;
        }

        if (_entries.Keys.Any(k => k.StartsWith(full + "/", StringComparison.Ordinal)))
        {
            return RegionError.NotEmpty;
        }

        _entries.Remove(full);
        return null;
    }

    private static RegionError? ValidateSize(FileKind kind, long size)
    {
        if (size < 0)
        {
            return RegionError.InvalidArgument;
        }

        if (size > MaximumSize)
        {
            return RegionError.NoSpace;
        }

        if (kind == FileKind.GuestMemory && (size == 0 || size % LargeGranule != 0))
        {
            return RegionError.InvalidArgument;
        }

        return kind == FileKind.IommuPageTable && size % SmallGranule != 0 ? RegionError.InvalidArgument : null;
    }

    /// <summary>An existing path, or why not.</summary>
    private RegionError? Resolve(string path, out string full)
    {
        full = "/";
        if (Split(path) is not { } parts)
        {
            return RegionError.InvalidArgument;
        }

        foreach (var part in parts)
        {
            if (full != "/" && _entries[full].Kind != FileKind.Directory)
            {
                return RegionError.WrongKind;
            }

            full = Join(full, part);
            if (!_entries.ContainsKey(full))
            {
                return RegionError.NotFound;
            }
        }

        return null;
    }

    /// <summary>A path that does not exist yet in an existing directory, or why not.</summary>
    private RegionError? ResolveNew(string path, out string full)
    {
        full = "/";
        if (Split(path) is not { } parts)
        {
            return RegionError.InvalidArgument;
        }

        if (parts.Length == 0)
        {
            return RegionError.AlreadyExists; // the root
        }

        for (var i = 0; i < parts.Length - 1; i++)
        {
            full = Join(full, parts[i]);
            if (!_entries.TryGetValue(full, out var directory))
            {
                return RegionError.NotFound;
            }

            if (directory.Kind != FileKind.Directory)
            {
                return RegionError.WrongKind;
            }
        }

        full = Join(full, parts[^1]);
        return _entries.ContainsKey(full) ? RegionError.AlreadyExists : null;
    }

    /// <summary>The names of a valid absolute path ("/" has none), or null when the path is not valid.</summary>
    private static string[]? Split(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Length > MaxPathLength)
        {
            return null;
        }

        if (path == "/")
        {
            return [];
        }

        var parts = path[1..].Split('/');
        return parts.All(IsValidName) ? parts : null;
    }

    /// <summary>Not empty, not "." or "..", no NUL, well-formed UTF-16, at most 255 bytes of UTF-8.</summary>
    private static bool IsValidName(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = 0;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                bytes += 4;
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
            else
            {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }

        return bytes <= MaxNameBytes;
    }

    private static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    private static long AlignUp(long value, long granule) => (value + granule - 1) / granule * granule;
}
