namespace LiveUpdate.Cli.Errors;

/// <summary>
/// A failure luctl itself decides on (not a daemon status): its one-line message goes to stderr as it is, and the
/// process exits with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CliException : Exception
{
    /// <summary>A failure with its exit code (see <see cref="ExitCodes"/>) and its one-line message.</summary>
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}
