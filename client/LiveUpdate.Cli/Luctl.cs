using System.CommandLine;
using System.CommandLine.Invocation;
using LiveUpdate.Cli.Commands;

namespace LiveUpdate.Cli;

/// <summary>The entry point: parses, reports a usage error in one line (exit 2), or runs the command.</summary>
internal static class Luctl
{
    /// <summary>Runs luctl with <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = RootCommandFactory.Create();
        ParseResult parse = root.Parse(args);
        if (parse.Action is ParseErrorAction || (parse.Errors.Count > 0 && parse.Action is null))
        {
            string command = parse.CommandResult.Command == root ? "luctl" : "luctl " + string.Join(' ', Path(parse));
            string message = parse.UnmatchedTokens.Count > 0 ? $"unknown command or argument '{parse.UnmatchedTokens[0]}'"
                : parse.Errors.FirstOrDefault(e => !IsMissingSubcommand(e))?.Message ?? "no command given";
            await error.WriteLineAsync(Output.Printable.Escape($"luctl: {message} (see '{command} --help')")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>True for the error of a command that only groups others (<c>luctl</c>, <c>luctl dma</c>) given none of them.</summary>
    private static bool IsMissingSubcommand(System.CommandLine.Parsing.ParseError error) =>
        error.SymbolResult is System.CommandLine.Parsing.CommandResult { Command: { Action: null, Subcommands.Count: > 0 } };

    private static Stack<string> Path(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names;
    }
}
