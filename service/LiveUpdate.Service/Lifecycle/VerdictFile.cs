using LiveUpdate.Region;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>One file of a VM in a reconcile's verdict.</summary>
internal sealed class VerdictFile
{
    /// <summary>Its path in the region (before any quarantine move).</summary>
    public required string Path { get; init; }

    /// <summary>Its kind.</summary>
    public required FileKind Kind { get; init; }

    /// <summary>Its size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Where the reconcile moved it, or empty when it stayed in place.</summary>
    public string QuarantinePath { get; set; } = string.Empty;
}
