namespace LiveUpdate.Region.Checking;

/// <summary>One violated invariant: which structure, where, what is wrong, and whether a repair fixed it.</summary>
public sealed record CheckProblem(string Structure, long Offset, string Message)
{
    /// <summary>True when <c>Check(repair: true)</c> fixed it.</summary>
    public bool Repaired { get; set; }

    /// <summary>What a repair did, or why it could not.</summary>
    public string? RepairNote { get; set; }

    /// <summary>How a repair may fix it (internal).</summary>
    internal RepairAction Action { get; init; }

    /// <summary>The inode a repair acts on (internal).</summary>
    internal ulong Inode { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Structure} at 0x{Offset:x}: {Message}{(Repaired ? $" [repaired: {RepairNote}]" : RepairNote is null ? "" : $" [not repaired: {RepairNote}]")}";
}

/// <summary>What a repair can do about a problem.</summary>
internal enum RepairAction
{
    /// <summary>Nothing safe: report only.</summary>
    None,
    /// <summary>Rewrite a damaged superblock copy from the good one.</summary>
    RewriteSuperblockCopy,
    /// <summary>Clear an inode slot whose record is unusable (its space returns to free space).</summary>
    ClearInode,
    /// <summary>Move an inode whose parent is gone into /lost+found.</summary>
    MoveToLostAndFound,
    /// <summary>Give an inode without a unique instance id a new random one (same generation, nothing else changes).</summary>
    AssignInstanceId,
}
