namespace LiveUpdate.Benchmarks.Harness;

/// <summary>The repository the benchmark was built in: the first directory above the build output holding LiveUpdate.sln.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> s_path = new(Locate);

    public static string Path => s_path.Value;

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "LiveUpdate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
    }
}
