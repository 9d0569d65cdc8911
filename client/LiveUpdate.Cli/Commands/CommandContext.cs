using System.CommandLine;
using LiveUpdate.Client;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// One run of one command: its parsed arguments, where it writes, whether it writes JSON, and its client of the daemon
/// (created on first use, with short retries so that a missing daemon is reported within about two seconds).
/// </summary>
internal sealed class CommandContext : IAsyncDisposable
{
    /// <summary>Attempts per call: five backoffs of 50, 100, 200, 400 and 800 ms (at most; jitter halves some) ≈ 1.5 s.</summary>
    internal const int MaxAttempts = 6;

    private readonly GlobalOptions _options;
    private LiveUpdateClient? _client;
    private TextWriter? _out;
    private TextWriter? _error;

    /// <summary>A context for the command <paramref name="parse"/> chose.</summary>
    public CommandContext(ParseResult parse, GlobalOptions options)
    {
        ArgumentNullException.ThrowIfNull(parse);
        Parse = parse;
        _options = options;
        SocketDirectory = options.SocketDirectoryOf(parse);
        Name = NameOf(parse);
    }

    /// <summary>The command as typed, without <c>luctl</c>: <c>status</c>, <c>dma translate</c>.</summary>
    public string Name { get; }

    /// <summary>The parse result, for the command's own options.</summary>
    public ParseResult Parse { get; }

    /// <summary>True with <c>--json</c>.</summary>
    public bool Json => Parse.GetValue(_options.Json);

    /// <summary>Standard output (or the test's writer); as text, with everything unprintable escaped (names come from the region).</summary>
    public TextWriter Out => _out ??= Json ? Parse.InvocationConfiguration.Output : new Output.PrintableWriter(Parse.InvocationConfiguration.Output);

    /// <summary>Standard error (or the test's writer), with everything unprintable escaped (messages quote names).</summary>
    public TextWriter Error => _error ??= new Output.PrintableWriter(Parse.InvocationConfiguration.Error);

    /// <summary>The daemon's socket directory.</summary>
    public string SocketDirectory { get; }

    /// <summary>The daemon's gRPC socket.</summary>
    public string SocketPath => Path.Join(SocketDirectory, LiveUpdateClientOptions.DefaultGrpcSocketName);

    /// <summary>The client of the daemon; nothing connects until the first call.</summary>
    public LiveUpdateClient Client => _client ??= new LiveUpdateClient(new LiveUpdateClientOptions
    {
        SocketDirectory = SocketDirectory,
        MaxAttempts = MaxAttempts,
        RetryMaxDelay = TimeSpan.FromSeconds(1),
        RetryTimeout = TimeSpan.FromSeconds(5),

        // Check and reconcile read all metadata (and libvirt): give them time on a large region.
        CallTimeout = TimeSpan.FromMinutes(2),
    });

    /// <summary>The value of one of the command's options.</summary>
    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    /// <summary>The value of one of the command's arguments.</summary>
    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _client?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static string NameOf(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Add(result.Command.Name);
        }

        names.Reverse();
        return names.Count == 0 ? "luctl" : string.Join(' ', names);
    }
}
