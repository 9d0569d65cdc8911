namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// One round of the vm suite: N guests started fresh, frozen, killed with their supervisors, QEMUs and daemon, and
/// resumed under a new boot id, in milliseconds unless named otherwise.
/// </summary>
/// <param name="MemoryBytes">Guest memory per VM.</param>
/// <param name="FreezeMs">FreezeAsync called to its FROZEN message, every VM's supervisor registered.</param>
/// <param name="FreezeDaemonElapsedMs">The freeze's elapsed time as the daemon reported it in the FROZEN message.</param>
/// <param name="DaemonStartToActiveMs">The restarted daemon's Process.Start to GetStatus answering ACTIVE after its reconcile.</param>
/// <param name="Vms">Each VM's timeline.</param>
internal sealed record VmUpdateRound(ulong MemoryBytes, double FreezeMs, double FreezeDaemonElapsedMs, double DaemonStartToActiveMs, IReadOnlyList<VmTimeline> Vms);
