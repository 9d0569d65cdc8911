namespace LiveUpdate.Client;

/// <summary>
/// One contiguous run of an opened file: the bytes at <see cref="FileOffset"/> in the file are at
/// <see cref="RegionOffset"/> in the region, and so in the handed-out descriptor.
/// </summary>
/// <param name="FileOffset">Offset of the run in the file.</param>
/// <param name="RegionOffset">Offset of the run in the region device (the descriptor's mmap offset).</param>
/// <param name="Length">Length of the run in bytes.</param>
public readonly record struct FileExtent(ulong FileOffset, ulong RegionOffset, ulong Length);
