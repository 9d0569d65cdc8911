using System.Globalization;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// A process's memory from <c>/proc/PID/status</c>, in MiB: resident set (VmRSS = RssAnon + RssFile + RssShmem), its
/// peak (VmHWM), and the parts: anonymous (heaps, GC, JIT), file-backed (mapped binaries), shared memory (the tmpfs
/// region mapping's pages the process touched).
/// </summary>
internal sealed record ProcessMemory(double RssMiB, double HwmMiB, double AnonMiB, double FileMiB, double ShmemMiB)
{
    public static ProcessMemory Of(int pid)
    {
        var fields = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.EndsWith(" kB", StringComparison.Ordinal))
            {
                fields[line[..colon]] = double.Parse(line[(colon + 1)..^3].Trim(), CultureInfo.InvariantCulture) / 1024;
            }
        }

        double Field(string name) => fields.TryGetValue(name, out var value)
            ? value
            : throw new InvalidOperationException($"/proc/{pid}/status has no {name}");

        return new ProcessMemory(Field("VmRSS"), Field("VmHWM"), Field("RssAnon"), Field("RssFile"), Field("RssShmem"));
    }
}
