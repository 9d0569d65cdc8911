namespace LiveUpdate.Deploy.Tests.Support;

/// <summary>The two settings Sandbox/unit-sandbox.sh takes from a unit: its system-call allow list and its address families.</summary>
internal static class UnitSandbox
{
    private static readonly Dictionary<string, int> s_families = new(StringComparer.Ordinal)
    {
        ["AF_UNIX"] = 1, ["AF_INET"] = 2, ["AF_INET6"] = 10, ["AF_NETLINK"] = 16,
    };

    /// <summary>The unit's SystemCallFilter= as a file of allowed names (unit-sandbox.sh's first argument); returns its path.</summary>
    public static async Task<string> WriteFilterAsync(string unitText, string path)
    {
        var allowed = await SyscallFilter.AllowedAsync(unitText);
        Assert.Contains("mmap", allowed);
        Assert.DoesNotContain("setuid", allowed);
        await File.WriteAllLinesAsync(path, allowed);
        return path;
    }

    /// <summary>The unit's RestrictAddressFamilies= as numbers (unit-sandbox.sh's second argument).</summary>
    public static string Families(string unitText)
    {
        var names = SyscallFilter.UnitValues(unitText, "RestrictAddressFamilies").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(names);
        return string.Join(',', names.Select(name => s_families[name]));
    }
}
