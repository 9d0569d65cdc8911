using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>What the figures were measured on.</summary>
internal sealed record MachineInfo(int Cores, string Os, string Kernel, string Cpu, string Dotnet)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        OsName(),
        KernelRelease(),
        CpuModel(),
        RuntimeInformation.FrameworkDescription);

    /// <summary>PRETTY_NAME from /etc/os-release, else the runtime's description.</summary>
    private static string OsName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.OSDescription;
    }

    /// <summary>uname -r.</summary>
    private static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.VersionString;
        }
    }

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
