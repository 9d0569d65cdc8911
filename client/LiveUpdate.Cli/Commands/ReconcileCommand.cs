using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl reconcile [--dry-run]</c> (Lifecycle.Reconcile): compares the region's files with the hypervisor's inventory
/// and prints the report as a summary: cause, boot ids, counts, one verdict per VM with its files, problems, warnings,
/// durations.
/// </summary>
internal static class ReconcileCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Compute the report only: quarantine nothing, change nothing" };
        var command = new Command("reconcile", "Compare the region's files with the VM inventory (libvirt) and report a verdict per VM") { dryRun };
        setup.Describe(command, """
            Verdicts: RESUMABLE (the domain is defined and its files are here: the VMM reclaims them), ORPHANED (files
            without a domain: moved to quarantine, never deleted automatically; 'luctl gc' deletes them), MISSING (a
            domain marked persistent has no guest memory here). Exit 1 when the report lists problems (the region
            needs 'luctl check --repair'), else 0.

            JSON (--json): the ReconcileReport message: dry_run, kexec_detected, cause (NONE | PLANNED_UPDATE |
              UNPLANNED_REBOOT | OPERATOR), previous_boot_id, current_boot_id, vms[] {vm_uuid, name, verdict,
              files[] {path, kind, size_bytes, quarantine_path}, message}, resumable, orphaned, missing,
              journal_transactions_replayed, problems[], warnings[], duration_seconds, inventory_duration_seconds,
              inventory, finished_at, state, check_duration_seconds, checked_at_attach.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            ReconcileReport report = await context.Client.ReconcileAsync(context.Get(dryRun), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, report);
            }
            else
            {
                Write(context.Out, report);
            }

            return report.Problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>One line: <c>PLANNED_UPDATE at 2026-…Z: 2 resumable, 1 orphaned, 0 missing, 0 problems, 1 warning (12 ms)</c>.</summary>
    internal static string Summary(ReconcileReport report) =>
        $"{EnumNames.Of(report.Cause)}{(report.DryRun ? " (dry run)" : string.Empty)} at {Humanize.Time(report.FinishedAt)}: "
        + $"{report.Resumable} resumable, {report.Orphaned} orphaned, {report.Missing} missing, "
        + $"{Humanize.Count(report.Problems.Count, "problem")}, {Humanize.Count(report.Warnings.Count, "warning")} ({Humanize.Duration(report.Duration)})";

    private static void Write(TextWriter output, ReconcileReport report)
    {
        output.WriteLine("reconcile: " + Summary(report));
        var facts = Table.KeyValue();
        facts.Add("cause", EnumNames.Of(report.Cause) + (report.KexecDetected ? " (kexec detected)" : string.Empty));
        facts.Add("boot ids", $"previous {Humanize.OrDash(report.PreviousBootId)}, current {Humanize.OrDash(report.CurrentBootId)}");
        facts.Add("inventory", $"{Humanize.OrDash(report.Inventory)} (read in {Humanize.Duration(report.InventoryDuration)})");
        facts.Add("journal", $"{Humanize.Count(report.JournalTransactionsReplayed, "transaction")} replayed");
        facts.Add("check", $"{Humanize.Duration(report.CheckDuration)}{(report.CheckedAtAttach ? " (made at attach, of the metadata attach loaded)" : string.Empty)}");
        facts.Add("state", EnumNames.Of(report.State));
        facts.Add("took", Humanize.Duration(report.Duration));
        facts.Write(output, "  ");

        if (report.Vms.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"VMs ({report.Vms.Count}):");
            foreach (VmVerdict vm in report.Vms)
            {
                output.WriteLine($"  {EnumNames.Of(vm.Verdict),-9}  {Humanize.OrDash(vm.Name)}  {vm.VmUuid}{(string.IsNullOrEmpty(vm.Message) ? string.Empty : "  - " + vm.Message)}");
                if (vm.Files.Count == 0)
                {
                    continue;
                }

                var files = Table.WithHeaders("KIND", "SIZE", "PATH", "QUARANTINE").AlignRight(1);
                foreach (VerdictFile file in vm.Files)
                {
                    files.Add(EnumNames.Of(file.Kind), Humanize.Size(file.SizeBytes), file.Path, Humanize.OrDash(file.QuarantinePath));
                }

                files.Write(output, "      ");
            }
        }

        WriteList(output, "problems", report.Problems);
        WriteList(output, "warnings", report.Warnings);
    }

    private static void WriteList(TextWriter output, string title, Google.Protobuf.Collections.RepeatedField<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine($"{title} ({lines.Count}):");
        foreach (string line in lines)
        {
            output.WriteLine("  - " + line);
        }
    }
}
