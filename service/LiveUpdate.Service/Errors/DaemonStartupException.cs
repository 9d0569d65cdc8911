namespace LiveUpdate.Service.Errors;

/// <summary>
/// A start-up failure the operator can act on (region busy, foreign or corrupt; socket in use): Program prints the message
/// as one line and exits with <see cref="ExitCode"/>, without a stack trace.
/// </summary>
internal sealed class DaemonStartupException : Exception
{
    /// <summary>Exit code of a start-up failure.</summary>
    public const int StartupFailed = 1;

    /// <summary>Exit code of a bad option.</summary>
    public const int BadOption = 2;

    /// <summary>Creates the exception.</summary>
    public DaemonStartupException(string message, int exitCode = StartupFailed, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}
