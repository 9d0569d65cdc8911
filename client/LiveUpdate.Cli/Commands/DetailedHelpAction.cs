using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>--help</c>: System.CommandLine's help (usage, arguments, options, subcommands, generated from the same definitions
/// the parser uses), followed by the command's own details: examples, exit codes, JSON fields.
/// </summary>
internal sealed class DetailedHelpAction : SynchronousCommandLineAction
{
    /// <summary>Help is wrapped at this width, whatever the terminal: stable output for people and for tests.</summary>
    private const int HelpWidth = 120;

    /// <summary>The last lines of every command's help but the root's, which explains the codes in full.</summary>
    private const string ExitCodesLine =
        "Exit codes: 0 ok, 1 operation failed, 2 usage, 3 daemon unreachable, 4 refused by state (FAILED_PRECONDITION); see 'luctl --help'.";

    private readonly HelpAction _standard;
    private readonly IReadOnlyDictionary<Command, string> _details;

    /// <summary>Wraps <paramref name="standard"/>; <paramref name="details"/> holds the text added per command.</summary>
    public DetailedHelpAction(HelpAction standard, IReadOnlyDictionary<Command, string> details)
    {
        _standard = standard;
        _standard.MaxWidth = HelpWidth;
        _details = details;
    }

    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        int result = _standard.Invoke(parseResult);
        TextWriter output = parseResult.InvocationConfiguration.Output;
        if (_details.TryGetValue(parseResult.CommandResult.Command, out string? details))
        {
            output.WriteLine(details.TrimEnd());
            output.WriteLine();
        }

        if (parseResult.CommandResult.Parent is not null)
        {
            output.WriteLine(ExitCodesLine);
            output.WriteLine();
        }

        return result;
    }
}
