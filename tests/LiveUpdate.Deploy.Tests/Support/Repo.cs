namespace LiveUpdate.Deploy.Tests.Support;

/// <summary>Paths of the checkout the tests run from.</summary>
internal static class Repo
{
    /// <summary>The repository root: the nearest directory above the test assembly holding LiveUpdate.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>deploy/.</summary>
    public static string Deploy => Path.Combine(Root, "deploy");

    /// <summary>A file under deploy/.</summary>
    public static string DeployFile(string name) => Path.Combine(Deploy, name);

    /// <summary>The Sandbox/ files copied beside the test assembly.</summary>
    public static string SandboxFile(string name) => Path.Combine(AppContext.BaseDirectory, "Sandbox", name);

    /// <summary>
    /// PATH for the scripts under test: <paramref name="first"/> (fake commands), then the system's directories only, as
    /// systemd and libvirt give their children (no pyenv shims or ~/.dotnet of a developer's shell).
    /// </summary>
    public static string SystemPath(string? first = null) =>
        (first is null ? string.Empty : first + ":") + "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiveUpdate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no LiveUpdate.sln above {AppContext.BaseDirectory}");
    }
}
