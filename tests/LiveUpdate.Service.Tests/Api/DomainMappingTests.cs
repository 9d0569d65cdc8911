using LiveUpdate.Service.Api;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Lifecycle;
using Grpc.Core;
using LiveUpdate.Region;
using DaemonProto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.Api;

/// <summary>The API's one mapping of the domain's errors and types to status codes and liveupdate.v1 messages.</summary>
public sealed class DomainMappingTests
{
    [Theory]
    [InlineData(nameof(DaemonError.NotReady), StatusCode.Unavailable)]
    [InlineData(nameof(DaemonError.WrongState), StatusCode.FailedPrecondition)]
    [InlineData(nameof(DaemonError.Denied), StatusCode.PermissionDenied)]
    [InlineData(nameof(DaemonError.Unauthenticated), StatusCode.Unauthenticated)]
    [InlineData(nameof(DaemonError.Exhausted), StatusCode.ResourceExhausted)]
    public void DaemonErrorMapping_MapsEachErrorToItsCode(string error, StatusCode code)
    {
        var status = DaemonErrorMapping.ToStatus(new DaemonException(Enum.Parse<DaemonError>(error), "why, for the operator"));
        Assert.Equal(code, status.StatusCode);
        Assert.Equal("why, for the operator", status.Detail);
    }

    [Fact]
    public void DaemonErrorMapping_CoversEveryError()
    {
        foreach (var error in Enum.GetValues<DaemonError>())
        {
            Assert.NotEqual(StatusCode.Internal, DaemonErrorMapping.ToStatusCode(error));
        }
    }

    [Fact]
    public void EveryEventKindPhaseAndVerdict_BecomesTheProtocolValueOfTheSameName()
    {
        foreach (var kind in Enum.GetValues<VmmEventKind>())
        {
            Assert.Equal(kind.ToString(), LifecycleMapping.ToProto(new VmmEvent(kind, LifecycleState.Active, 1, "m")).Kind.ToString());
        }

        foreach (var phase in Enum.GetValues<FreezePhase>())
        {
            Assert.Equal(phase.ToString(), LifecycleMapping.ToProto(new FreezeProgress { Phase = phase, Message = "m" }).Phase.ToString());
        }

        foreach (var verdict in Enum.GetValues<VerdictKind>())
        {
            Assert.Equal(verdict.ToString(), LifecycleMapping.ToProto(verdict).ToString());
        }
    }

    [Fact]
    public void VmmEvent_CarriesItsDeadlineAndVerdictOnlyWhenSet()
    {
        var deadline = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var prepare = LifecycleMapping.ToProto(new VmmEvent(VmmEventKind.PrepareForUpdate, LifecycleState.Freezing, 7, "pause", deadline));
        Assert.Equal(DaemonProto.LifecycleState.Freezing, prepare.State);
        Assert.Equal(7ul, prepare.Generation);
        Assert.Equal(deadline, prepare.Deadline.ToDateTimeOffset());
        Assert.Equal(DaemonProto.VmVerdictKind.Unspecified, prepare.Verdict);

        var reclaim = LifecycleMapping.ToProto(new VmmEvent(VmmEventKind.ReclaimReady, LifecycleState.Active, 8, "reclaim", Verdict: VerdictKind.Orphaned));
        Assert.Null(reclaim.Deadline);
        Assert.Equal(DaemonProto.VmVerdictKind.Orphaned, reclaim.Verdict);
    }

    [Fact]
    public void ReconcileReport_KeepsEveryFieldAndEmptyBootIdsStayEmpty()
    {
        var current = Guid.NewGuid();
        var report = new ReconcileReport
        {
            DryRun = false,
            KexecDetected = true,
            Cause = ReconcileCause.PlannedUpdate,
            PreviousBootId = Guid.Empty,
            CurrentBootId = current,
            JournalTransactionsReplayed = 3,
            Inventory = "libvirt qemu:///system",
            Resumable = 1,
            Orphaned = 1,
            Duration = TimeSpan.FromMilliseconds(12),
            InventoryDuration = TimeSpan.FromMilliseconds(2),
            CheckDuration = TimeSpan.FromMilliseconds(5),
            CheckedAtAttach = true,
            FinishedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            State = LifecycleState.Active,
        };
        report.Warnings.Add("a warning");
        var vm = new VmVerdict { VmUuid = CanonicalUuid.Format(Guid.NewGuid()), Verdict = VerdictKind.Orphaned, Message = "quarantined" };
        vm.Files.Add(new VerdictFile { Path = "/vm/ram", Kind = FileKind.GuestMemory, Size = 4096, QuarantinePath = "/.quarantine/b/vm/ram" });
        report.Vms.Add(vm);

        var message = LifecycleMapping.ToProto(report);

        Assert.True(message.KexecDetected);
        Assert.Equal(DaemonProto.ReconcileCause.PlannedUpdate, message.Cause);
        Assert.Equal(string.Empty, message.PreviousBootId);
        Assert.Equal(current.ToString("D"), message.CurrentBootId);
        Assert.Equal(3u, message.JournalTransactionsReplayed);
        Assert.Equal("libvirt qemu:///system", message.Inventory);
        Assert.Equal((1u, 1u, 0u), (message.Resumable, message.Orphaned, message.Missing));
        Assert.Equal(TimeSpan.FromMilliseconds(12), message.Duration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(2), message.InventoryDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(5), message.CheckDuration.ToTimeSpan());
        Assert.True(message.CheckedAtAttach);
        Assert.Equal(report.FinishedAt, message.FinishedAt.ToDateTimeOffset());
        Assert.Equal(DaemonProto.LifecycleState.Active, message.State);
        Assert.Equal(["a warning"], message.Warnings);
        var verdict = Assert.Single(message.Vms);
        Assert.Equal((vm.VmUuid, DaemonProto.VmVerdictKind.Orphaned, "quarantined"), (verdict.VmUuid, verdict.Verdict, verdict.Message));
        var file = Assert.Single(verdict.Files);
        Assert.Equal(("/vm/ram", DaemonProto.FileKind.GuestMemory, 4096ul, "/.quarantine/b/vm/ram"), (file.Path, file.Kind, file.SizeBytes, file.QuarantinePath));
    }

    [Fact]
    public void FreezeProgress_ListsAckedAndPendingVmms()
    {
        var progress = new FreezeProgress { Phase = FreezePhase.Frozen, Message = "sealed", Elapsed = TimeSpan.FromSeconds(1), Generation = 4, Forced = true };
        var vm = Guid.NewGuid();
        progress.Pending.Add(new VmmRef(vm, "vm1", Connected: false));

        var message = LifecycleMapping.ToProto(progress);

        Assert.True(message.Forced);
        Assert.Equal(4ul, message.Generation);
        Assert.Empty(message.Acked);
        var pending = Assert.Single(message.Pending);
        Assert.Equal((vm.ToString(), "vm1", false), (pending.VmUuid, pending.Name, pending.Connected));
    }
}
