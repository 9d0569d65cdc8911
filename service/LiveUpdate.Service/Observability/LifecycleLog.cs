using LiveUpdate.Region;

namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of the lifecycle: registrations, the freeze barrier, thaw, reconcile, reclaim and gc.</summary>
internal static partial class LifecycleLog
{
    [LoggerMessage(EventId = 400, EventName = "VmmRegistered", Level = LogLevel.Information,
        Message = "VMM registered: VM {VmUuid} '{Name}' by uid {Uid} pid {Pid}")]
    public static partial void VmmRegistered(ILogger logger, Guid vmUuid, string name, uint uid, int pid);

    [LoggerMessage(EventId = 401, EventName = "VmmDisconnected", Level = LogLevel.Information, Message = "VMM of VM {VmUuid} '{Name}' disconnected")]
    public static partial void VmmDisconnected(ILogger logger, Guid vmUuid, string name);

    [LoggerMessage(EventId = 402, EventName = "FreezeStarted", Level = LogLevel.Warning,
        Message = "freeze started: timeout {TimeoutSeconds} s, force {Force}, {Vmms} registered VMMs")]
    public static partial void FreezeStarted(ILogger logger, double timeoutSeconds, bool force, int vmms);

    [LoggerMessage(EventId = 403, EventName = "FreezeAcked", Level = LogLevel.Information,
        Message = "VM {VmUuid} '{Name}' acked the freeze (device state '{DeviceStatePath}'); {Pending} pending")]
    public static partial void Acked(ILogger logger, Guid vmUuid, string name, string deviceStatePath, int pending);

    [LoggerMessage(EventId = 414, EventName = "FreezeFailedByVmm", Level = LogLevel.Warning,
        Message = "VM {VmUuid} '{Name}' could not pause or save its device state: {Reason}; aborting the freeze")]
    public static partial void FailedByVmm(ILogger logger, Guid vmUuid, string name, string reason);

    [LoggerMessage(EventId = 404, EventName = "Frozen", Level = LogLevel.Warning,
        Message = "sealed FROZEN at generation {Generation}: {Acked} acked, {Pending} not acked, forced {Forced}, {ElapsedMs} ms; sealed {SealMs} ms after the last ack")]
    public static partial void Frozen(ILogger logger, long generation, int acked, int pending, bool forced, double elapsedMs, double sealMs);

    [LoggerMessage(EventId = 405, EventName = "FreezeAborted", Level = LogLevel.Warning, Message = "freeze aborted, back to ACTIVE: {Why}")]
    public static partial void FreezeAborted(ILogger logger, string why);

    [LoggerMessage(EventId = 406, EventName = "FreezeFailed", Level = LogLevel.Error, Message = "the freeze failed")]
    public static partial void FreezeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 407, EventName = "Thawed", Level = LogLevel.Warning, Message = "thawed: {Found} -> ACTIVE")]
    public static partial void Thawed(ILogger logger, LifecycleState found);

    [LoggerMessage(EventId = 408, EventName = "Reconciled", Level = LogLevel.Warning,
        Message = "reconcile (dry run {DryRun}, {Cause}): {Resumable} resumable, {Orphaned} orphaned, {Missing} missing, {Problems} problems, {DurationMs} ms; state {State}")]
    public static partial void Reconciled(ILogger logger, bool dryRun, ReconcileCause cause, uint resumable, uint orphaned, uint missing, int problems,
        double durationMs, LifecycleState state);

    [LoggerMessage(EventId = 409, EventName = "ReconcileFailed", Level = LogLevel.Error, Message = "the reconcile after attach failed; the region stays RECONCILING")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 410, EventName = "Reclaimed", Level = LogLevel.Information,
        Message = "VM {VmUuid} reclaimed {Files} files by uid {Uid} pid {Pid}")]
    public static partial void Reclaimed(ILogger logger, Guid vmUuid, int files, uint uid, int pid);

    [LoggerMessage(EventId = 411, EventName = "GarbageCollected", Level = LogLevel.Warning,
        Message = "gc of quarantine (older than {OlderThan}, dry run {DryRun}) by uid {Uid}: {Removed} files, {Bytes} bytes; {Kept} kept")]
    public static partial void GarbageCollected(ILogger logger, TimeSpan olderThan, bool dryRun, uint uid, int removed, ulong bytes, uint kept);

    [LoggerMessage(EventId = 412, EventName = "Checked", Level = LogLevel.Information,
        Message = "check (repair {Repair}) by uid {Uid}: {Problems} problems, {Repaired} repaired")]
    public static partial void Checked(ILogger logger, bool repair, uint uid, int problems, int repaired);

    [LoggerMessage(EventId = 413, EventName = "InventoryUnavailable", Level = LogLevel.Warning,
        Message = "the VM inventory {Source} cannot be read now ({Reason}); reconcile will try again")]
    public static partial void InventoryUnavailable(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 415, EventName = "Denied", Level = LogLevel.Warning, Message = "denied {Action} VM {VmUuid} to uid {Uid} pid {Pid}: {Reason}")]
    public static partial void Denied(ILogger logger, string action, Guid vmUuid, uint uid, int pid, string reason);

    [LoggerMessage(EventId = 416, EventName = "StrangerNotReclaimed", Level = LogLevel.Warning,
        Message = "VM {VmUuid}: '{Path}' belongs to uid {OwnerUid}, not to the VM's owner uid {VmOwnerUid}; reclaim leaves it out")]
    public static partial void StrangerNotReclaimed(ILogger logger, Guid vmUuid, string path, uint ownerUid, uint vmOwnerUid);

    [LoggerMessage(EventId = 417, EventName = "VmmProblem", Level = LogLevel.Warning,
        Message = "VM {VmUuid} '{Name}': its VMM reports: {Problem}")]
    public static partial void VmmProblem(ILogger logger, Guid vmUuid, string name, string problem);

    [LoggerMessage(EventId = 418, EventName = "InventoryWaiting", Level = LogLevel.Warning,
        Message = "the VM inventory {Source} cannot be read yet ({Reason}); the start-up reconcile waits for it (up to {WaitSeconds} s in all)")]
    public static partial void InventoryWaiting(ILogger logger, string source, string reason, double waitSeconds);
}
