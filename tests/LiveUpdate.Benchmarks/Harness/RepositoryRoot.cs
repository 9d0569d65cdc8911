using System.Reflection;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>The repository the benchmark was built in: the first directory above the build output holding LiveUpdate.sln.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> s_path = new(Locate);

    public static string Path => s_path.Value;

    /// <summary>The build configuration of this benchmark ("Release"): the other projects' outputs are taken from the same one.</summary>
    public static string Configuration =>
        typeof(RepositoryRoot).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

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
