using System.Security.Cryptography;
using LiveUpdate.Deploy.Tests.Support;

namespace LiveUpdate.Deploy.Tests;

/// <summary>
/// deploy/install.sh --prefix --namespaces run twice into one staging root, once per test run (it publishes the daemon, luctl and
/// liveupdate-qemu, a few minutes on two cores): the results and a snapshot of the tree after each run. The root lives beside the test
/// assembly, not under /tmp, so that the sandboxed daemon (which gets an empty private /tmp) can still be run from it.
/// </summary>
public sealed class InstallFixture : IAsyncLifetime
{
    // The composite ReadyToRun publish of the daemon alone took over 10 minutes on a heavily shared two-core host.
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(25);

    /// <summary>The staging root.</summary>
    public string Prefix { get; } = Path.Combine(AppContext.BaseDirectory, "install-root");

    /// <summary>The first install.</summary>
    public CommandResult First { get; private set; } = null!;

    /// <summary>The second install, over the first.</summary>
    public CommandResult Second { get; private set; } = null!;

    /// <summary>Every file and link of the root after the first install: relative path → type, mode, mtime, size, SHA-256 or target.</summary>
    public IReadOnlyDictionary<string, string> AfterFirst { get; private set; } = null!;

    /// <summary>The same after the second install.</summary>
    public IReadOnlyDictionary<string, string> AfterSecond { get; private set; } = null!;

    /// <summary>A path inside the root ("usr/bin/luctl").</summary>
    public string this[string relative] => Path.Combine(Prefix, relative);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (Directory.Exists(Prefix))
        {
            Directory.Delete(Prefix, recursive: true);
        }

        First = await InstallAsync();
        AfterFirst = Snapshot(Prefix);
        Second = await InstallAsync();
        AfterSecond = Snapshot(Prefix);
    }

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        if (Directory.Exists(Prefix))
        {
            Directory.Delete(Prefix, recursive: true);
        }

        return Task.CompletedTask;
    }

    private async Task<CommandResult> InstallAsync()
    {
        // Output goes to a file, not to a pipe of ours: any process the build leaves behind cannot hold the pipe open.
        var log = Path.Combine(AppContext.BaseDirectory, $"install-{Guid.NewGuid():N}.log");
        try
        {
            var result = await Command.RunAsync(
                "/bin/bash",
                ["-c", "\"$0\" --prefix \"$1\" --namespaces >\"$2\" 2>&1", Repo.DeployFile("install.sh"), Prefix, log],
                timeout: s_installTimeout);
            return result with { Stdout = await File.ReadAllTextAsync(log) };
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static Dictionary<string, string> Snapshot(string root)
    {
        var snapshot = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
        {
            return snapshot;
        }

        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(root, path);
            if (info.LinkTarget is { } target)
            {
                snapshot[relative] = $"link -> {target}";
            }
            else if (Directory.Exists(path))
            {
                snapshot[relative] = $"dir {File.GetUnixFileMode(path)}";
            }
            else
            {
                using var stream = File.OpenRead(path);
                var hash = Convert.ToHexString(SHA256.HashData(stream));
                snapshot[relative] = $"file {File.GetUnixFileMode(path)} {info.Length} {info.LastWriteTimeUtc:O} {hash}";
            }
        }

        return snapshot;
    }
}

/// <summary>The tests that share one <see cref="InstallFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class InstallCollection : ICollectionFixture<InstallFixture>
{
    public const string Name = "install";
}
