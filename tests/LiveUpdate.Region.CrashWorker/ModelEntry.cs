namespace LiveUpdate.Region.CrashWorker;

/// <summary>What the model knows of one path: its kind and logical size (0 for directories).</summary>
public readonly record struct ModelEntry(FileKind Kind, long Size)
{
    /// <inheritdoc/>
    public override string ToString() => Kind == FileKind.Directory ? "directory" : $"{Kind} size={Size}";
}
