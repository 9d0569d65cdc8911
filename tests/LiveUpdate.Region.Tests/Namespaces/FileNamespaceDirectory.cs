using System.Runtime.Versioning;
using LiveUpdate.Region.Namespaces;

namespace LiveUpdate.Region.Tests.Namespaces;

/// <summary>
/// Namespaces as real files for the engine's tests (the kernel's nd regions exist only in the kexec lab): each namespace
/// is a sparse file in a folder under /dev/shm, laid out after the metadata device in a simulated physical address space
/// the way the kernel lays out a region's namespaces (one after another, at the region's 16 MiB alignment). The mode
/// is applied to the files for real (0600); the owner uid is recorded (the daemon's chown is exercised in the kexec lab),
/// and <see cref="Reboot"/> forgets it as devtmpfs does, so re-application at attach is observable.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class FileNamespaceDirectory : INamespaceDirectory, IDisposable
{
    private const long RegionAlign = 16L << 20;
    private readonly Dictionary<string, NamespaceInfo> _spaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> _owners = new(StringComparer.Ordinal);
    private ulong _next;
    private uint _nextMinor = 1;

    public FileNamespaceDirectory(ulong metadataPhysicalBase, long metadataSize)
    {
        Folder = Path.Combine("/dev/shm", "lu-ns-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        _next = Align(metadataPhysicalBase + (ulong)metadataSize);
    }

    public string Folder { get; }

    public string RegionPath => Folder;

    /// <summary>Every Create, SetOwner and Destroy in order, e.g. "create lu-…", for assertions on what the engine asked.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>When set, the next Create makes a namespace this many bytes smaller than asked for (a kernel that disagrees).</summary>
    public long ShortenNextBy { get; set; }

    /// <summary>When set, the next Destroy throws (a failing ndctl).</summary>
    public bool FailNextDestroy { get; set; }

    public IReadOnlyList<NamespaceInfo> List() => [.. _spaces.Values.OrderBy(space => space.PhysicalStart)];

    public NamespaceInfo Create(string name, long minimumSize, uint ownerUid)
    {
        if (_spaces.ContainsKey(name))
        {
            throw new RegionException(RegionError.AlreadyExists, $"namespace {name} exists");
        }

        Calls.Add("create " + name);
        var path = Path.Combine(Folder, name);
        var size = minimumSize - ShortenNextBy;
        ShortenNextBy = 0;
        using (var file = File.Create(path))
        {
            file.SetLength(size); // a new file reads as zeros, as a zeroed device does
        }

        var space = new NamespaceInfo(name, _next, size, path, 252, _nextMinor++);
        _next = Align(_next + (ulong)size);
        _spaces.Add(name, space);
        SetOwner(space, ownerUid);
        return space;
    }

    public void SetOwner(NamespaceInfo space, uint ownerUid)
    {
        Calls.Add($"own {space.Name} {ownerUid}");
        File.SetUnixFileMode(space.DevicePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _owners[space.Name] = ownerUid;
    }

    public void Destroy(NamespaceInfo space)
    {
        if (FailNextDestroy)
        {
            FailNextDestroy = false;
            throw new RegionException(RegionError.Io, $"destroy of {space.Name} failed (injected)");
        }

        Calls.Add("destroy " + space.Name);
        File.Delete(space.DevicePath);
        _spaces.Remove(space.Name);
        _owners.Remove(space.Name);
    }

    /// <summary>Removes a namespace behind the engine's back (what a lost label or an operator's ndctl would do).</summary>
    public void Lose(string name)
    {
        File.Delete(_spaces[name].DevicePath);
        _spaces.Remove(name);
    }

    /// <summary>The uid the namespace's node was last given to, or null since <see cref="Reboot"/>.</summary>
    public uint? OwnerOf(string name) => _owners.TryGetValue(name, out var uid) ? uid : null;

    /// <summary>What a boot does to device nodes: they come back root's (the recorded owners are forgotten).</summary>
    public void Reboot() => _owners.Clear();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static ulong Align(ulong value) => (value + RegionAlign - 1) / RegionAlign * RegionAlign;
}
