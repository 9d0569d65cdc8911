using LiveUpdate.Qemu.DeviceState;

namespace LiveUpdate.Qemu;

/// <summary>
/// The supervisor's private directory: <c>$RUNTIME_DIRECTORY</c> (systemd's RuntimeDirectory=), else
/// <c>{socket-dir}/qemu-{uuid}</c> made mode 0700. It holds the VM's lock (one supervisor per VM: an exclusive lock on
/// <c>{uuid}.lock</c>, released by the kernel when the process dies), QEMU's QMP socket and the migration file of a save
/// or a load in progress. Stale files of a dead supervisor are removed under the lock.
/// </summary>
internal sealed class RuntimeDirectory : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly FileStream _lock;

    private RuntimeDirectory(string path, Guid vm, FileStream held)
    {
        DirectoryPath = path;
        _lock = held;
        QmpSocketPath = System.IO.Path.Combine(path, $"{vm:D}.qmp");
        MigrationPath = System.IO.Path.Combine(path, $"{vm:D}.migration");
    }

    /// <summary>The directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>QEMU's QMP socket (QEMU creates it; a stale one is removed first).</summary>
    public string QmpSocketPath { get; }

    /// <summary>The migration file: QEMU writes the state there during a save (after <see cref="DeviceStateHeader.Size"/> bytes of header) and reads it back during a load.</summary>
    public string MigrationPath { get; }

    /// <summary>
    /// Makes (or takes) the directory and the VM's lock. Throws <see cref="RefusedException"/> when another
    /// liveupdate-qemu holds the lock, or the directory cannot be used.
    /// </summary>
    public static RuntimeDirectory Acquire(Guid vm, string? runtimeDirectory, string socketDirectory)
    {
        string path;
        if (!string.IsNullOrEmpty(runtimeDirectory))
        {
            // systemd passes several directories colon-separated when the unit names several: the first is ours.
            path = runtimeDirectory.Split(':')[0];
        }
        else
        {
            path = System.IO.Path.Combine(socketDirectory, $"qemu-{vm:D}");
            try
            {
                var info = Directory.CreateDirectory(path, Private);
                if (info.LinkTarget is not null)
                {
                    throw new RefusedException($"{path} is a symbolic link; liveupdate-qemu keeps its QMP socket in a directory of its own");
                }

                if (info.UnixFileMode != Private)
                {
                    File.SetUnixFileMode(path, Private);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RefusedException($"{path}: cannot make the runtime directory ({e.Message})");
            }
        }

        string lockPath = System.IO.Path.Combine(path, $"{vm:D}.lock");
        FileStream held;
        try
        {
            // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None: the kernel drops it when this process dies.
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new RefusedException($"{lockPath}: another liveupdate-qemu runs VM {vm:D} (it holds this lock)");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RefusedException($"{lockPath}: {e.Message}");
        }

        var directory = new RuntimeDirectory(path, vm, held);
        directory.RemoveFiles();
        return directory;
    }

    /// <summary>Removes the migration file, if any.</summary>
    public void RemoveMigrationFile() => File.Delete(MigrationPath);

    /// <inheritdoc/>
    public void Dispose()
    {
        RemoveFiles();
        _lock.Dispose();
    }

    private void RemoveFiles()
    {
        File.Delete(QmpSocketPath);
        RemoveMigrationFile();
    }
}
