namespace LiveUpdate.Service.Lifecycle;

/// <summary>One step of a freeze, as the Freeze caller sees it.</summary>
internal sealed class FreezeProgress
{
    /// <summary>Where the freeze is.</summary>
    public required FreezePhase Phase { get; init; }

    /// <summary>What happened, for the operator.</summary>
    public required string Message { get; init; }

    /// <summary>Time since the freeze began.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The lifecycle generation.</summary>
    public long Generation { get; init; }

    /// <summary>Sealed by force with VMMs not acked.</summary>
    public bool Forced { get; set; }

    /// <summary>The VMMs that acked.</summary>
    public List<VmmRef> Acked { get; } = [];

    /// <summary>The VMMs still awaited.</summary>
    public List<VmmRef> Pending { get; } = [];
}
