namespace LiveUpdate.Region.CrashWorker;

/// <summary>The mutations the worker performs; each is one engine call.</summary>
public enum OperationKind
{
    /// <summary><see cref="PersistentRegion.MakeDirectory"/>.</summary>
    MakeDirectory,
    /// <summary><see cref="PersistentRegion.CreateFile"/>.</summary>
    Create,
    /// <summary><see cref="PersistentRegion.Resize"/>.</summary>
    Resize,
    /// <summary><see cref="PersistentRegion.Rename"/>.</summary>
    Rename,
    /// <summary><see cref="PersistentRegion.Remove"/>.</summary>
    Remove,
}
