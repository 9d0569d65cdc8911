using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl status</c>: the lifecycle state, boot ids, registered VMMs and the last reconcile (Lifecycle.GetStatus).</summary>
internal static class StatusCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var command = new Command("status", "Show the lifecycle state, generation, boot ids, kexec detection, registered VMMs, guest-memory descriptor holders and the last reconcile");
        setup.Describe(command, """
            JSON (--json): the LifecycleStatus message: state, generation, boot_id, previous_boot_id, kexec_detected,
              reconcile_cause, vmms[] {vm_uuid, name, pid, uid, acked, connected, device_state_path, registered_at},
              descriptor_holders[] {pid, uid, path, inode, vm_uuid, covered, since},
              last_reconcile (a ReconcileReport as in 'luctl reconcile --json', or null), state_changed_at, inventory.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            LifecycleStatus status = await context.Client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, status);
            }
            else
            {
                Write(context.Out, status);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(TextWriter output, LifecycleStatus status)
    {
        var facts = Table.KeyValue();
        facts.Add("state", status.StateChangedAt is null ? EnumNames.Of(status.State) : $"{EnumNames.Of(status.State)} since {Humanize.Time(status.StateChangedAt)}");
        facts.Add("generation", Humanize.Number(status.Generation));
        facts.Add("boot id", Humanize.OrDash(status.BootId));
        facts.Add("previous boot id", Humanize.OrDash(status.PreviousBootId));
        facts.Add("kexec detected", Humanize.YesNo(status.KexecDetected));
        facts.Add("reconcile cause", EnumNames.Of(status.ReconcileCause));
        facts.Add("inventory", Humanize.OrDash(status.Inventory));
        facts.Write(output);

        output.WriteLine();
        if (status.Vmms.Count == 0)
        {
            output.WriteLine("VMMs: none registered");
        }
        else
        {
            output.WriteLine($"VMMs: {status.Vmms.Count} registered, {status.Vmms.Count(v => v.Acked)} acked");
            var vmms = Table.WithHeaders("NAME", "VM UUID", "PID", "UID", "ACKED", "CONNECTED", "REGISTERED", "DEVICE STATE").AlignRight(2, 3);
            foreach (RegisteredVmm vmm in status.Vmms)
            {
                vmms.Add(vmm.Name, vmm.VmUuid, Humanize.Number(vmm.Pid), Humanize.Number(vmm.Uid), Humanize.YesNo(vmm.Acked),
                    Humanize.YesNo(vmm.Connected), Humanize.Time(vmm.RegisteredAt), Humanize.OrDash(vmm.DeviceStatePath));
            }

            vmms.Write(output, "  ");
            foreach (RegisteredVmm vmm in status.Vmms.Where(v => v.Problem.Length > 0))
            {
                // Said under the table, whole: a problem is a sentence an operator acts on (e.g. a refused managed save).
                output.WriteLine($"  problem: {vmm.Name} ({vmm.VmUuid}): {vmm.Problem}");
            }
        }

        if (status.DescriptorHolders.Count > 0)
        {
            var uncovered = status.DescriptorHolders.Count(h => !h.Covered);
            output.WriteLine();
            output.WriteLine($"guest-memory descriptor holders: {status.DescriptorHolders.Count}, {uncovered} not a registered VMM or its child"
                + (uncovered > 0 ? " (a freeze is refused while one lives; --force proceeds)" : string.Empty));
            var holders = Table.WithHeaders("PID", "UID", "VM UUID", "COVERED", "SINCE", "PATH").AlignRight(0, 1);
            foreach (DescriptorHolder holder in status.DescriptorHolders)
            {
                holders.Add(Humanize.Number(holder.Pid), Humanize.Number(holder.Uid), Humanize.OrDash(holder.VmUuid), Humanize.YesNo(holder.Covered),
                    Humanize.Time(holder.Since), holder.Path);
            }

            holders.Write(output, "  ");
        }

        output.WriteLine();
        output.WriteLine(status.LastReconcile is { } report
            ? "last reconcile: " + ReconcileCommand.Summary(report)
            : "last reconcile: none since the daemon started");
    }
}
