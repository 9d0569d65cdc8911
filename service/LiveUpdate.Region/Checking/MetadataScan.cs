using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Checking;

/// <summary>Everything attach and check learn from reading the region's metadata.</summary>
internal sealed class MetadataScan
{
    /// <summary>Region offsets of the inode chunks, by chunk index.</summary>
    public List<long> Chunks { get; } = [];

    /// <summary>Live inodes by number.</summary>
    public Dictionary<ulong, Node> Nodes { get; } = [];

    /// <summary>Free inode slots with the generation their last owner had, in ascending number order.</summary>
    public List<(ulong Number, ulong Generation)> FreeSlots { get; } = [];

    /// <summary>Every range metadata says is owned.</summary>
    public List<UsedRange> Used { get; } = [];

    /// <summary>Violated invariants.</summary>
    public List<CheckProblem> Problems { get; } = [];

    /// <summary>The rebuilt allocator (set once the scan is complete).</summary>
    public ExtentAllocator? Allocator { get; set; }

    /// <summary>The superblock declares namespace-backed extents (<see cref="Format.SuperblockRecord.FeatureNamespaceExtents"/>).</summary>
    public bool FeatureNamespaceExtents { get; init; }

    /// <summary>The root directory, when it was found intact.</summary>
    public Node? Root { get; set; }
}
