using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl gc --older-than AGE [--dry-run]</c> (Lifecycle.CollectGarbage): deletes quarantined files.</summary>
internal static class GcCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = $"Delete files quarantined at least this long ago; 0 deletes them all ({AgeParser.Examples})",
            HelpName = "AGE",
            Required = true,
            CustomParser = ArgumentParsers.Age,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be deleted; delete nothing" };
        var command = new Command("gc", "Delete files that reconcile moved to quarantine (ORPHANED VMs' files)") { olderThan, dryRun };
        setup.Describe(command, """
            JSON (--json): the CollectGarbageResponse message: removed[] (paths), bytes_freed, kept (younger files
              left), plus dry_run and older_than_seconds as given.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            TimeSpan age = context.Get(olderThan);
            bool dry = context.Get(dryRun);
            CollectGarbageResponse response = await context.Client.CollectGarbageAsync(age, dry, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    ProtoJson.WriteFields(writer, response);
                    writer.WriteBoolean("dry_run", dry);
                    writer.WriteNumber("older_than_seconds", age.TotalSeconds);
                    writer.WriteEndObject();
                });
                return ExitCodes.Ok;
            }

            string verb = dry ? "would remove" : "removed";
            context.Out.WriteLine(
                $"gc: {verb} {Humanize.Count(response.Removed.Count, "quarantined file")} ({Humanize.Size(response.BytesFreed)}); kept {response.Kept} younger than {Humanize.Duration(age)}");
            foreach (string path in response.Removed)
            {
                context.Out.WriteLine("  " + path);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
