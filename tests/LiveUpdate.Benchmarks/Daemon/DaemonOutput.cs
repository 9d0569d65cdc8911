namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>Where a daemon's stdout and stderr go.</summary>
internal enum DaemonOutput
{
    /// <summary>
    /// Appended to <see cref="DaemonDirectory.LogPath"/> by the kernel (the shell execs the daemon with its output
    /// redirected): nothing in this process reads it, so steady-state figures are not charged for our reading the log.
    /// </summary>
    File,

    /// <summary>Read line by line through a pipe, each line stamped on arrival: for start-up timelines.</summary>
    Lines,
}
