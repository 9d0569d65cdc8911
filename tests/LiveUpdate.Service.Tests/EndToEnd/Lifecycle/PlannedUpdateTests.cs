using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// docs/design.md §7 end to end: a live update of three VMs. Three test VMM processes register, map 64 MiB of guest memory each
/// and fill it; Freeze sends PREPARE_FOR_UPDATE, each VMM saves its device state through a mapped descriptor and acks,
/// the region seals FROZEN. The daemon and the VMMs are SIGKILLed and a new boot id is written (the kexec); the daemon
/// starts, finds a planned update, reconciles, and the VMMs, started afresh, reclaim and find every byte.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PlannedUpdateTests
{
    private const ulong MemoryMiB = 64;

    [Fact(Timeout = 120_000)]
    public async Task PlannedUpdate_ThreeVmmsFreezeAndAck_SurviveTheKexec_AndReclaimMemoryAndDeviceStateByteForByte()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 1L << 30);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var vms = new[] { ("vm-alpha", Guid.NewGuid(), 0xA1UL), ("vm-beta", Guid.NewGuid(), 0xB2UL), ("vm-gamma", Guid.NewGuid(), 0xC3UL) };
        var vmms = vms.Select(v => TestVmmProcess.Run(daemon, v.Item2, v.Item1, MemoryMiB, v.Item3)).ToList();
        try
        {
            foreach (var vmm in vmms)
            {
                await vmm.WaitForAsync("READY");
            }

            var before = await client.GetStatusAsync();
            Assert.Equal(LifecycleState.Active, before.State);
            Assert.Equal(vms.Select(v => v.Item2.ToString()).Order(), before.Vmms.Select(v => v.VmUuid).Order());
            Assert.All(before.Vmms, v => Assert.True(v.Connected && !v.Acked, $"before the freeze: {v}"));

            // The barrier: every VMM is told, saves its device state, acks; the last ack seals.
            var (final, progress) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(20));
            Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
            Assert.False(final.Forced);
            Assert.Empty(final.Pending);
            Assert.Equal(vms.Select(v => v.Item2.ToString()).Order(), final.Acked.Select(a => a.VmUuid).Order());
            Assert.Equal(FreezePhase.Draining, progress[0].Phase);
            Assert.Contains(progress, p => p.Phase == FreezePhase.WaitingForAcks);
            Assert.Same(final, progress[^1]);
            foreach (var vmm in vmms)
            {
                await vmm.WaitForAsync("PREPARE");
                Assert.Contains($"path=/vm/{vmm.Vm:D}/device-state", await vmm.WaitForAsync("STATE_SAVED"), StringComparison.Ordinal);
                await vmm.WaitForAsync("ACKED");
            }

            var frozen = await client.GetStatusAsync();
            Assert.Equal(LifecycleState.Frozen, frozen.State);
            Assert.True(frozen.Generation > before.Generation, $"generation {before.Generation} -> {frozen.Generation}");
            Assert.Equal(final.Generation, frozen.Generation);
            Assert.All(frozen.Vmms, v => Assert.True(v.Acked && v.DeviceStatePath == $"/vm/{v.VmUuid}/device-state", $"frozen: {v}"));
            Assert.Equal(LiveUpdate.Client.LiveUpdateError.FailedPrecondition,
                (await StatusPolling.AssertFailedPreconditionAsync(() => client.FreezeAsync(TimeSpan.FromSeconds(1)), "a second Freeze while FROZEN")).Error);

            // The kexec: the daemon dies (each VMM sees its stream break as UNAVAILABLE, not as a cancellation), the VMMs
            // die, and the kernel has a new boot id.
            await daemon.KillAsync();
            foreach (var vmm in vmms)
            {
                Assert.StartsWith("LOST Unavailable ", await vmm.WaitForAsync("LOST"), StringComparison.Ordinal);
                await vmm.KillAsync();
            }

            var newBoot = StatusPolling.NewBoot(daemon);
            await daemon.StartAsync();
            var after = await StatusPolling.WaitForStartupReconcileAsync(client);

            Assert.Equal(LifecycleState.Active, after.State);
            Assert.True(after.KexecDetected);
            Assert.Equal(ReconcileCause.PlannedUpdate, after.ReconcileCause);
            Assert.Equal(newBoot.ToString(), after.BootId);
            Assert.Equal(before.BootId, after.PreviousBootId);
            var report = after.LastReconcile;
            Assert.False(report.DryRun);
            Assert.True(report.KexecDetected);
            Assert.Equal(ReconcileCause.PlannedUpdate, report.Cause);
            Assert.True(report.Resumable == 3 && report.Orphaned == 0 && report.Missing == 0, $"report: {report}");
            Assert.Empty(report.Problems);
            Assert.Equal(LifecycleState.Active, report.State);
            // The start-up reconcile takes the check attach made of what it loaded, and counts its time in.
            Assert.True(report.CheckedAtAttach, $"report: {report}");
            Assert.True(report.CheckDuration.ToTimeSpan() > TimeSpan.Zero && report.CheckDuration.ToTimeSpan() <= report.Duration.ToTimeSpan(),
                $"check {report.CheckDuration} of {report.Duration}");
            Assert.Equal(before.BootId, report.PreviousBootId);
            Assert.Equal(newBoot.ToString(), report.CurrentBootId);
            foreach (var (name, vm, _) in vms)
            {
                var verdict = Assert.Single(report.Vms, v => v.VmUuid == vm.ToString());
                Assert.Equal(VmVerdictKind.Resumable, verdict.Verdict);
                Assert.Equal(
                    [($"/vm/{vm:D}/device-state", FileKind.DeviceState, 64UL << 10), ($"/vm/{vm:D}/memory", FileKind.GuestMemory, MemoryMiB << 20)],
                    verdict.Files.Select(f => (f.Path, f.Kind, f.SizeBytes)));
            }

            // An operator looks before the VMMs come back: a dry run changes nothing and must not hold up RECLAIM_READY.
            var dryRun = await client.ReconcileAsync(dryRun: true);
            Assert.True(dryRun.DryRun && dryRun.Resumable == 3 && dryRun.Problems.Count == 0, $"dry run: {dryRun}");

            // The VMMs after the kexec: each reclaims its files, maps them again and checks every byte.
            var outcomes = await Task.WhenAll(vms.Select(v => TestVmmProcess.ReclaimAsync(daemon, v.Item2, MemoryMiB, v.Item3)));
            foreach (var (outcome, (_, vm, _)) in outcomes.Zip(vms))
            {
                Assert.True(outcome.ExitCode == 0, $"reclaim of {vm} exited {outcome.ExitCode}\n{outcome.Transcript}");
                Assert.Equal("RECLAIMED ok verdict=Resumable files=2", outcome.Lines[^1]);
                Assert.Contains(outcome.Lines, l => l.StartsWith($"FILE path=/vm/{vm:D}/memory kind=GuestMemory bytes={MemoryMiB << 20} ", StringComparison.Ordinal) && l.EndsWith(" ok", StringComparison.Ordinal));
                Assert.Contains(outcome.Lines, l => l.StartsWith($"FILE path=/vm/{vm:D}/device-state kind=DeviceState bytes=65536 ", StringComparison.Ordinal) && l.EndsWith(" ok", StringComparison.Ordinal));
            }

            // The check is real: with another seed the same files do not verify.
            var (_, firstVm, firstSeed) = vms[0];
            var wrongSeed = await TestVmmProcess.ReclaimAsync(daemon, firstVm, MemoryMiB, firstSeed + 1);
            Assert.True(wrongSeed.ExitCode == 3, $"reclaim with a wrong seed exited {wrongSeed.ExitCode}\n{wrongSeed.Transcript}");
            Assert.Contains(wrongSeed.Lines, l => l.StartsWith($"MISMATCH path=/vm/{firstVm:D}/memory offset=0", StringComparison.Ordinal));
            Assert.Contains(wrongSeed.Lines, l => l.StartsWith($"MISMATCH path=/vm/{firstVm:D}/device-state offset=0", StringComparison.Ordinal));
            Assert.Equal("MISMATCH files=2", wrongSeed.Lines[^1]);

            await StatusPolling.AssertCheckCleanAsync(client, "after the update");
            Assert.Equal(0, await daemon.StopAsync());
        }
        finally
        {
            foreach (var vmm in vmms)
            {
                await vmm.DisposeAsync();
            }
        }
    }
}
