namespace LiveUpdate.Region;

/// <summary>Named instants inside a mutation where crash tests kill the process.</summary>
public enum FaultPoint
{
    /// <summary>A new file's extents are zeroed; nothing about the file is committed yet.</summary>
    DataZeroed = 1,
    /// <summary>Half of a journal record is written (a torn commit).</summary>
    JournalTorn,
    /// <summary>A journal record is complete, nothing of it is applied yet.</summary>
    JournalWritten,
    /// <summary>Some, not all, of a committed transaction's writes have reached their home.</summary>
    ApplyPartial,
    /// <summary>A transaction is applied; the caller has not been told yet.</summary>
    Applied,
    /// <summary>Half of a superblock copy is written.</summary>
    SuperblockTorn,
    /// <summary>A superblock copy is written.</summary>
    SuperblockWritten,
    /// <summary>A contents replacement's new bytes are in its new extents; the swap is not committed yet.</summary>
    ContentsStaged,
    /// <summary>A guest-memory file's namespace is created and zeroed (namespaces backend); its inode is not committed yet.</summary>
    NamespaceCreated,
}
