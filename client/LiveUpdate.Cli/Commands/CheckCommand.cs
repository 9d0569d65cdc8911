using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl check [--repair]</c> (Lifecycle.Check): the region's fsck.</summary>
internal static class CheckCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var repair = new Option<bool>("--repair") { Description = "Repair what can be repaired without guessing (needs root or the admin group; refused while frozen)" };
        var command = new Command("check", "Check every invariant of the region's metadata (superblock, inodes, extents, journal, checksums)") { repair };
        setup.Describe(command, """
            Exit 0 when the region is clean or every problem found was repaired; 1 when problems remain.

            JSON (--json): the CheckReport message: clean, problems[] {structure, offset, message, repaired,
              repair_note}, notes[], inodes, used_bytes, free_bytes, total_bytes, repair_requested, duration_seconds.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            CheckReport report = await context.Client.CheckAsync(context.Get(repair), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, report);
            }
            else
            {
                Write(context.Out, report);
            }

            return report.Clean || report.Problems.All(p => p.Repaired) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static void Write(TextWriter output, CheckReport report)
    {
        int repaired = report.Problems.Count(p => p.Repaired);
        output.WriteLine(report.Clean
            ? "check: clean"
            : $"check: {Humanize.Count(report.Problems.Count, "problem")}, {repaired} repaired{(report.RepairRequested ? string.Empty : " (run 'luctl check --repair' to repair)")}");
        output.WriteLine(
            $"  {Humanize.Count((long)report.Inodes, "inode")}, {Humanize.Size(report.UsedBytes)} used, {Humanize.Size(report.FreeBytes)} free of {Humanize.Size(report.TotalBytes)}; took {Humanize.Duration(report.Duration)}");
        if (report.Problems.Count > 0)
        {
            output.WriteLine();
            var problems = Table.WithHeaders("STRUCTURE", "OFFSET", "REPAIRED", "PROBLEM").AlignRight(1);
            foreach (CheckProblem problem in report.Problems)
            {
                problems.Add(problem.Structure, Humanize.Hex(problem.Offset), problem.Repaired ? "yes: " + Humanize.OrDash(problem.RepairNote) : "no", problem.Message);
            }

            problems.Write(output, "  ");
        }

        foreach (string note in report.Notes)
        {
            output.WriteLine("  note: " + note);
        }
    }
}
