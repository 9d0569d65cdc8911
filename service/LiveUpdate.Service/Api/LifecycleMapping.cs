using Google.Protobuf.WellKnownTypes;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Lifecycle;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>The lifecycle's domain types (reports, freeze progress, VMM events) as liveupdate.v1 messages.</summary>
internal static class LifecycleMapping
{
    /// <summary>A verdict kind.</summary>
    public static Proto.VmVerdictKind ToProto(VerdictKind verdict) => verdict switch
    {
        VerdictKind.Resumable => Proto.VmVerdictKind.Resumable,
        VerdictKind.Orphaned => Proto.VmVerdictKind.Orphaned,
        VerdictKind.Missing => Proto.VmVerdictKind.Missing,
        _ => Proto.VmVerdictKind.Unspecified,
    };

    /// <summary>A reconcile's report.</summary>
    public static Proto.ReconcileReport ToProto(ReconcileReport report)
    {
        var message = new Proto.ReconcileReport
        {
            DryRun = report.DryRun,
            KexecDetected = report.KexecDetected,
            Cause = ProtoMapping.ToProto(report.Cause),
            PreviousBootId = ProtoMapping.UuidText(report.PreviousBootId),
            CurrentBootId = ProtoMapping.UuidText(report.CurrentBootId),
            Resumable = report.Resumable,
            Orphaned = report.Orphaned,
            Missing = report.Missing,
            JournalTransactionsReplayed = (uint)report.JournalTransactionsReplayed,
            Duration = Duration.FromTimeSpan(report.Duration),
            InventoryDuration = Duration.FromTimeSpan(report.InventoryDuration),
            Inventory = report.Inventory,
            FinishedAt = Timestamp.FromDateTimeOffset(report.FinishedAt),
            State = ProtoMapping.ToProto(report.State),
            CheckDuration = Duration.FromTimeSpan(report.CheckDuration),
            CheckedAtAttach = report.CheckedAtAttach,
        };
        message.Problems.AddRange(report.Problems);
        message.Warnings.AddRange(report.Warnings);
        foreach (var vm in report.Vms)
        {
            var verdict = new Proto.VmVerdict { VmUuid = vm.VmUuid, Name = vm.Name, Verdict = ToProto(vm.Verdict), Message = vm.Message };
            foreach (var file in vm.Files)
            {
                verdict.Files.Add(new Proto.VerdictFile
                {
                    Path = file.Path,
                    Kind = ProtoMapping.ToProto(file.Kind),
                    SizeBytes = (ulong)file.Size,
                    QuarantinePath = file.QuarantinePath,
                });
            }

            message.Vms.Add(verdict);
        }

        return message;
    }

    /// <summary>An event for a VMM's stream.</summary>
    public static Proto.VmmEvent ToProto(VmmEvent e)
    {
        var message = new Proto.VmmEvent
        {
            Kind = (Proto.VmmEventKind)e.Kind,
            State = ProtoMapping.ToProto(e.State),
            Generation = (ulong)e.Generation,
            Message = e.Message,
        };
        if (e.Deadline is { } deadline)
        {
            message.Deadline = Timestamp.FromDateTimeOffset(deadline);
        }

        if (e.Verdict is { } verdict)
        {
            message.Verdict = ToProto(verdict);
        }

        return message;
    }

    /// <summary>One step of a freeze.</summary>
    public static Proto.FreezeProgress ToProto(FreezeProgress progress)
    {
        var message = new Proto.FreezeProgress
        {
            Phase = (Proto.FreezePhase)progress.Phase,
            Message = progress.Message,
            Elapsed = Duration.FromTimeSpan(progress.Elapsed),
            Generation = (ulong)progress.Generation,
            Forced = progress.Forced,
        };
        message.Acked.AddRange(progress.Acked.Select(ToProto));
        message.Pending.AddRange(progress.Pending.Select(ToProto));
        return message;
    }

    /// <summary>A registered VMM as GetStatus shows it.</summary>
    public static Proto.RegisteredVmm ToProto(VmmRegistration registration) => new()
    {
        VmUuid = registration.VmUuid.ToString(),
        Name = registration.Name,
        Pid = (uint)Math.Max(0, registration.Caller.Pid),
        Uid = registration.Caller.Uid,
        Acked = registration.Acked,
        Connected = registration.Connected,
        DeviceStatePath = registration.DeviceStatePath,
        RegisteredAt = Timestamp.FromDateTimeOffset(registration.RegisteredAt),
        Problem = registration.Problem,
    };

    /// <summary>A live holder of a guest-memory descriptor as GetStatus shows it.</summary>
    public static Proto.DescriptorHolder ToProto((DescriptorHolder Holder, bool Covered) held) => new()
    {
        Pid = (uint)Math.Max(0, held.Holder.Pid),
        Uid = held.Holder.Uid,
        Path = held.Holder.Path,
        Inode = (ulong)held.Holder.Inode,
        VmUuid = held.Holder.VmUuid == Guid.Empty ? string.Empty : held.Holder.VmUuid.ToString(),
        Covered = held.Covered,
        Since = Timestamp.FromDateTimeOffset(held.Holder.Since),
    };

    /// <summary>What a garbage collection of the quarantine did.</summary>
    public static Proto.CollectGarbageResponse ToProto(GarbageCollection collected)
    {
        var message = new Proto.CollectGarbageResponse { BytesFreed = collected.BytesFreed, Kept = collected.Kept };
        message.Removed.AddRange(collected.Removed);
        return message;
    }

    private static Proto.VmmRef ToProto(VmmRef vmm) => new() { VmUuid = vmm.VmUuid.ToString(), Name = vmm.Name, Connected = vmm.Connected };
}
