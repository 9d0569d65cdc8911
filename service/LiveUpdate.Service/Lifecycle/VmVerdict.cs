namespace LiveUpdate.Service.Lifecycle;

/// <summary>The reconcile's verdict on one VM.</summary>
internal sealed class VmVerdict
{
    /// <summary>The VM's UUID in canonical form (see <see cref="CanonicalUuid"/>).</summary>
    public required string VmUuid { get; init; }

    /// <summary>The domain's name, when the inventory knows the VM.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The verdict.</summary>
    public VerdictKind Verdict { get; set; }

    /// <summary>Why, for the operator.</summary>
    public string Message { get; set; } = string.Empty;

    /// <summary>The VM's files, in path order.</summary>
    public List<VerdictFile> Files { get; } = [];
}
