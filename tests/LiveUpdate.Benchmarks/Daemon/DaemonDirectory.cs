namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// One daemon's files in the scratch directory (tmpfs): <c>region</c> (a sparse file), <c>sock/</c> (liveupdate.sock and
/// fd.sock), <c>notify.sock</c> (our NOTIFY_SOCKET) and <c>daemon.log</c> (its output, when sent to a file).
/// </summary>
internal sealed record DaemonDirectory(string Root)
{
    public string RegionPath => Path.Combine(Root, "region");

    public string SocketDirectory => Path.Combine(Root, "sock");

    public string NotifyPath => Path.Combine(Root, "notify.sock");

    public string LogPath => Path.Combine(Root, "daemon.log");

    /// <summary>Makes <paramref name="root"/> with an empty sparse region file of <paramref name="regionBytes"/> bytes.</summary>
    public static DaemonDirectory Create(string root, long regionBytes)
    {
        Directory.CreateDirectory(root);
        var directory = new DaemonDirectory(root);
        using (var region = new FileStream(directory.RegionPath, FileMode.CreateNew))
        {
            region.SetLength(regionBytes);
        }

        return directory;
    }

    /// <summary>Makes <paramref name="root"/> for a region file that will be put there by other means.</summary>
    public static DaemonDirectory CreateEmpty(string root)
    {
        Directory.CreateDirectory(root);
        return new DaemonDirectory(root);
    }

    /// <summary>Deletes the directory and the region in it, returning the region's memory.</summary>
    public void Delete()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
