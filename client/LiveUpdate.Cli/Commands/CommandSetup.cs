using System.CommandLine;
using LiveUpdate.Cli.Errors;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// What every command definition needs: the global options, the extra help text, and <see cref="SetAction"/>, which
/// runs a command with luctl's error handling (every failure becomes one stderr line and an exit code).
/// </summary>
internal sealed class CommandSetup
{
    /// <summary>The options every command takes.</summary>
    public GlobalOptions Options { get; } = new();

    /// <summary>Per-command text shown after the options in <c>--help</c>.</summary>
    public Dictionary<Command, string> Details { get; } = [];

    /// <summary>Makes <paramref name="run"/> the action of <paramref name="command"/>; it returns the exit code.</summary>
    public void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(run);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = new CommandContext(parse, Options);
            try
            {
                return await run(context, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Every failure, expected or not, must end as one line and an exit code, never a stack trace.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                (int exitCode, string line) = ErrorReport.Describe(exception, context.Name, context.SocketPath);
                await context.Error.WriteLineAsync(line).ConfigureAwait(false);
                return exitCode;
            }
        });
    }

    /// <summary>Adds <paramref name="details"/> to the help of <paramref name="command"/>.</summary>
    public void Describe(Command command, string details) => Details[command] = details;
}
