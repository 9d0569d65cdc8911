using System.CommandLine;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl rm PATH</c> (Files.Remove).</summary>
internal static class RmCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "A file or an empty directory" }.RegionPath();
        var command = new Command("rm", "Remove a file or an empty directory; its space is scrubbed before anyone else gets it") { path };
        setup.Describe(command, """
            Refused (exit 4) while the host is FREEZING or FROZEN, for a directory that is not empty, and for DMA-mapped memory.

            JSON (--json): {"path": PATH, "removed": true}.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            string target = context.Get(path)!;
            await context.Client.RemoveAsync(target, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                Output.JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", target);
                    writer.WriteBoolean("removed", true);
                    writer.WriteEndObject();
                });
            }
            else
            {
                context.Out.WriteLine($"removed {target}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
