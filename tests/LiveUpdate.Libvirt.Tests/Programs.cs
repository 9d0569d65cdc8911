using System.Reflection;
using LiveUpdate.Deploy.Tests.Support;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>The build outputs these tests run as processes (built first: see the project's references).</summary>
internal static class Programs
{
    /// <summary>liveupdate-emulator's apphost: what a domain's &lt;emulator&gt; shim execs.</summary>
    public static string Emulator => Output("client/LiveUpdate.Emulator", "liveupdate-emulator");

    /// <summary>The agent's apphost.</summary>
    public static string Agent => Output("client/LiveUpdate.Libvirt", "liveupdate-libvirt");

    /// <summary>luctl's apphost (the hook calls it; the tests read `luctl status` through it).</summary>
    public static string Luctl => Output("client/LiveUpdate.Cli", "luctl");

    private static string Output(string project, string apphost)
    {
        var configuration = typeof(Programs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var path = Path.Combine(Repo.Root, project, "bin", configuration, "net10.0", apphost);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is not built (dotnet build {project} -c {configuration})");
    }
}
