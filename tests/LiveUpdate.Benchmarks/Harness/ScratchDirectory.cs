namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// A directory of region files on tmpfs (/dev/shm by default), deleted on dispose, at process exit
/// (Ctrl-C and SIGTERM included, see <see cref="TerminationSignals"/>) and, if this process was killed outright, by the next run.
/// Region files are sparse: they hold memory only where data was written.
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    private const string Prefix = "liveupdate-bench-";
    private readonly TerminationSignals _termination;
    private bool _disposed;

    private ScratchDirectory(string path)
    {
        Path = path;
        _termination = TerminationSignals.OnTermination(DeleteTree);
    }

    public string Path { get; }

    /// <summary>
    /// Creates <c>ROOT/liveupdate-bench-PID-RANDOM</c> after removing directories of runs that no longer exist. RANDOM is 8
    /// hex digits: the path stays short, so that Unix socket paths below it (QEMU's QMP socket in the vm suite) fit in
    /// the 107 bytes an address holds.
    /// </summary>
    public static ScratchDirectory Create(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root} does not exist; region files need a tmpfs directory (set LIVEUPDATE_BENCH_DIR)");
        }

        RemoveAbandoned(root);
        var path = System.IO.Path.Combine(root, $"{Prefix}{Environment.ProcessId}-{Random.Shared.Next():x8}");
        Directory.CreateDirectory(path);
        return new ScratchDirectory(path);
    }

    /// <summary>The path of a file in the directory (not created).</summary>
    public string FileNamed(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Deletes one region file now, returning its memory to the system.</summary>
    public static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _termination.Dispose();
        DeleteTree();
    }

    private void DeleteTree()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes scratch directories whose process is gone (a run killed with SIGKILL cannot clean up).</summary>
    private static void RemoveAbandoned(string root)
    {
        foreach (var directory in Directory.EnumerateDirectories(root, Prefix + "*"))
        {
            var name = System.IO.Path.GetFileName(directory);
            var pidText = name[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pidText, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
