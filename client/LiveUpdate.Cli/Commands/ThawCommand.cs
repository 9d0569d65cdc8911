using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl thaw</c> (Lifecycle.Thaw): abandons a freeze or a sealed update; the host returns to ACTIVE.</summary>
internal static class ThawCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var command = new Command("thaw", "Abandon a freeze or a sealed update: back to ACTIVE, and the VMMs are told THAWED");
        setup.Describe(command, """
            JSON (--json): the ThawResponse message: state (now), previous_state.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            ThawResponse response = await context.Client.ThawAsync(cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, response);
            }
            else
            {
                context.Out.WriteLine(response.PreviousState == response.State
                    ? $"already {EnumNames.Of(response.State)}: nothing to thaw"
                    : $"thawed: {EnumNames.Of(response.PreviousState)} -> {EnumNames.Of(response.State)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
