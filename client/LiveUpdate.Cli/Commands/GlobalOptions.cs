using System.CommandLine;
using LiveUpdate.Client;

namespace LiveUpdate.Cli.Commands;

/// <summary>The options every command takes (declared once on the root, recursive): <c>--json</c> and <c>--socket-dir</c>.</summary>
internal sealed class GlobalOptions
{
    /// <summary><c>--json</c>: one JSON document on stdout instead of tables.</summary>
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON document on stdout instead of tables (stable snake_case fields; see README.md)",
        Recursive = true,
    };

    /// <summary><c>--socket-dir DIR</c>: where the daemon's socket is, as the daemon's own option.</summary>
    public Option<string?> SocketDirectory { get; } = new("--socket-dir")
    {
        Description = "The daemon's socket directory (liveupdate.sock) [default: $LIVEUPDATE_SOCKET_DIR, else /run/liveupdate "
            + "as root, else $XDG_RUNTIME_DIR/liveupdate, else /tmp/liveupdate-UID]",
        HelpName = "DIR",
        Recursive = true,
    };

    /// <summary>Creates the options and their validation.</summary>
    public GlobalOptions()
    {
        SocketDirectory.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && !Path.IsPathRooted(value))
            {
                result.AddError($"--socket-dir must be an absolute path, not '{value}'");
            }
        });
    }

    /// <summary>The directory the options name, or the client library's default.</summary>
    public string SocketDirectoryOf(ParseResult parse) =>
        parse.GetValue(SocketDirectory) ?? LiveUpdateClientOptions.DefaultSocketDirectory();
}
