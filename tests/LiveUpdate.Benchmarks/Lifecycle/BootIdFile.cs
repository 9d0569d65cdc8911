namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// The daemon's <c>--boot-id-file</c>: what it reads in place of /proc/sys/kernel/random/boot_id. Writing a new id
/// before a start makes that start look like the first one after a kexec.
/// </summary>
internal sealed class BootIdFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The id written last.</summary>
    public Guid Current { get; private set; }

    /// <summary>Writes a new random boot id (atomically: a reader sees the old or the new one).</summary>
    public Guid Renew()
    {
        var id = Guid.NewGuid();
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, id.ToString() + "\n");
        File.Move(temporary, Path, overwrite: true);
        Current = id;
        return id;
    }
}
