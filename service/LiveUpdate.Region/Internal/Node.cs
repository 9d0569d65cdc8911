using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Internal;

/// <summary>The in-memory image of a live inode, rebuilt from its record at attach.</summary>
internal sealed class Node
{
    /// <summary>Inode number.</summary>
    public required ulong Number { get; init; }

    /// <summary>Generation: bumped on every change, never repeated for a slot.</summary>
    public ulong Generation { get; set; }

    /// <summary>What it holds.</summary>
    public required FileKind Kind { get; init; }

    /// <summary>Parent directory (the root is its own parent).</summary>
    public Node? Parent { get; set; }

    /// <summary>Parent inode number as recorded (used while linking at attach).</summary>
    public ulong ParentNumber { get; set; }

    /// <summary>Name within the parent ("" for the root).</summary>
    public required string Name { get; set; }

    /// <summary>Logical size.</summary>
    public long Size { get; set; }

    /// <summary>Owner uid.</summary>
    public uint OwnerUid { get; set; }

    /// <summary>Permission bits.</summary>
    public uint Mode { get; set; }

    /// <summary>Owning VM.</summary>
    public Guid VmUuid { get; set; }

    /// <summary>Random at creation, never changed: tells this file from one created later at the same path.</summary>
    public required Guid InstanceId { get; set; }

    /// <summary>Creation time, unix ms.</summary>
    public long CreatedUnixMs { get; set; }

    /// <summary>Change time, unix ms.</summary>
    public long ModifiedUnixMs { get; set; }

    /// <summary>Extents in file order.</summary>
    public List<ExtentRecord> Extents { get; set; } = [];

    /// <summary>
    /// True when the file's one extent is its own namespace (namespaces backend): outside the device, never in its free
    /// space, named <see cref="Namespaces.NamespaceNames.ForFile"/> of <see cref="InstanceId"/>.
    /// </summary>
    public bool NamespaceBacked { get; init; }

    /// <summary>The namespace behind a <see cref="NamespaceBacked"/> file as resolved since attach; null when it is missing (check reports it).</summary>
    public Namespaces.NamespaceInfo? Namespace { get; set; }

    /// <summary>Region offsets of the overflow extent blocks, in chain order.</summary>
    public List<long> ExtentBlocks { get; set; } = [];

    /// <summary>Bytes of the file DMA mappings point into (kept by the Dma operations).</summary>
    public long DmaMappedBytes { get; set; }

    /// <summary>Children by name (directories only).</summary>
    public Dictionary<string, Node>? Children { get; set; }

    /// <summary>True for directories.</summary>
    public bool IsDirectory => Kind == FileKind.Directory;

    /// <summary>The pool this kind's data comes from.</summary>
    public Pool Pool => PoolOf(Kind);

    /// <summary>Bytes of region space the extents hold.</summary>
    public long AllocatedBytes
    {
        get
        {
            long total = 0;
            foreach (var extent in Extents)
            {
                total += extent.Length;
            }

            return total;
        }
    }

    /// <summary>The pool a kind's data comes from.</summary>
    public static Pool PoolOf(FileKind kind) => kind == FileKind.GuestMemory ? Pool.Large : Pool.Small;

    /// <summary>The granule a kind's size is rounded to.</summary>
    public static long GranuleOf(FileKind kind) => kind == FileKind.GuestMemory ? RegionLayout.LargeGranule : RegionLayout.SmallGranule;

    /// <summary>Absolute path.</summary>
    public string Path
    {
        get
        {
            if (Parent is null || ReferenceEquals(Parent, this))
            {
                return "/";
            }

            // Measured first, then filled from the end: one allocation however deep the node is.
            var length = 0;
            for (var node = this; node.Parent is not null && !ReferenceEquals(node.Parent, node); node = node.Parent)
            {
                length += node.Name.Length + 1;
            }

            return string.Create(length, this, static (chars, leaf) =>
            {
                var end = chars.Length;
                for (var node = leaf; node.Parent is not null && !ReferenceEquals(node.Parent, node); node = node.Parent)
                {
                    end -= node.Name.Length;
                    node.Name.CopyTo(chars[end..]);
                    chars[--end] = '/';
                }
            });
        }
    }

    /// <summary>A public snapshot.</summary>
    public RegionFileInfo ToInfo(string? path = null)
    {
        var extents = new Extent[Extents.Count];
        long fileOffset = 0;
        for (var i = 0; i < extents.Length; i++)
        {
            extents[i] = new Extent(fileOffset, Extents[i].RegionOffset, Extents[i].Length);
            fileOffset += Extents[i].Length;
        }

        return new RegionFileInfo
        {
            Path = path ?? Path,
            Inode = (long)Number,
            Kind = Kind,
            Size = Size,
            AllocatedBytes = fileOffset,
            VmUuid = VmUuid,
            InstanceId = InstanceId,
            OwnerUid = OwnerUid,
            Mode = Mode,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedUnixMs),
            ModifiedAt = DateTimeOffset.FromUnixTimeMilliseconds(ModifiedUnixMs),
            Generation = (long)Generation,
            Extents = extents,
            DmaMappedBytes = DmaMappedBytes,
            Namespace = Namespace,
        };
    }
}
