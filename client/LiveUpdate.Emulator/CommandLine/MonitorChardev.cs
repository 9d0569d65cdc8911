using System.Globalization;
using LiveUpdate.Qemu.CommandLine;

namespace LiveUpdate.Emulator.CommandLine;

/// <summary>
/// libvirt's QMP monitor chardev, <c>socket,id=charmonitor,fd=L,server=on,wait=off</c>: a listening Unix socket libvirt
/// created and passed as descriptor L. The emulator gives QEMU a connected socket instead (<c>fd=Q,server=off</c>, one
/// end of a socketpair) and its QMP proxy listens on L.
/// </summary>
/// <param name="Id">The chardev's id (charmonitor).</param>
/// <param name="ValueIndex">Where the -chardev value is in QEMU's arguments.</param>
/// <param name="ListeningFd">libvirt's listening descriptor L.</param>
/// <param name="Pairs">The chardev's key=value list.</param>
internal sealed record MonitorChardev(string Id, int ValueIndex, int ListeningFd, IReadOnlyList<KeyValuePair<string, string>> Pairs)
{
    /// <summary>The chardev <paramref name="monitorId"/> if <paramref name="value"/> defines it as a socket on a passed descriptor, else null.</summary>
    public static MonitorChardev? TryParse(string value, int valueIndex, string monitorId)
    {
        var pairs = QemuOptionSyntax.KeyValues(value, "backend");
        if (pairs.FirstOrDefault(p => p.Key == "id").Value != monitorId || pairs.FirstOrDefault(p => p.Key == "backend").Value != "socket")
        {
            return null;
        }

        string? fd = pairs.FirstOrDefault(p => p.Key == "fd").Value;
        return fd is not null && int.TryParse(fd, NumberStyles.None, CultureInfo.InvariantCulture, out int listening)
            ? new MonitorChardev(monitorId, valueIndex, listening, pairs)
            : null;
    }

    /// <summary>The -chardev value that connects QEMU's monitor to <paramref name="connectedFd"/> (QEMU is the client end: server=off).</summary>
    public string Rewrite(int connectedFd)
    {
        var parts = new List<string>();
        foreach (var (key, value) in Pairs)
        {
            parts.Add(key switch
            {
                "backend" => value,
                "fd" => string.Create(CultureInfo.InvariantCulture, $"fd={connectedFd}"),
                "server" => "server=off",
                _ => $"{key}={value.Replace(",", ",,", StringComparison.Ordinal)}",
            });
        }

        // wait= only applies to a server; QEMU refuses it on a client socket.
        parts.RemoveAll(p => p.StartsWith("wait=", StringComparison.Ordinal));
        if (!Pairs.Any(p => p.Key == "server"))
        {
            parts.Add("server=off");
        }

        return string.Join(',', parts);
    }
}
