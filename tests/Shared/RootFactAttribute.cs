namespace LiveUpdate.Tests.Shared;

/// <summary>
/// A test that changes uid (it starts peers through <c>setpriv</c>) and so needs root and setpriv on PATH. When either is
/// missing the test is reported skipped with the reason instead of passing without having run.
/// tests/Directory.Build.targets links this file into every test project.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when this process cannot start peers as other uids.</summary>
    public RootFactAttribute()
    {
        if (WhyNotRunnable() is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Null when the process is root and setpriv is on PATH; otherwise the reason the test cannot run.</summary>
    public static string? WhyNotRunnable()
    {
        var uid = EffectiveUid();
        if (uid != 0)
        {
            return $"needs root to start peers as other uids through setpriv; this process runs as uid {uid}";
        }

        return FindOnPath("setpriv") is null ? "needs setpriv (util-linux) on PATH to start peers as other uids" : null;
    }

    /// <summary>The effective uid: the second field of the Uid: line of /proc/self/status.</summary>
    private static uint EffectiveUid() => uint.Parse(
        File.ReadLines("/proc/self/status").First(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2],
        System.Globalization.CultureInfo.InvariantCulture);

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
