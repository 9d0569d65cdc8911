using System.Net.Sockets;
using System.Text;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by NOTIFY_SOCKET (a leading '@' names an
/// abstract socket). Disabled when NOTIFY_SOCKET is unset, i.e. when not started by systemd as Type=notify.
/// </summary>
internal sealed class SystemdNotifier
{
    private readonly string? _socketPath;

    /// <summary>Reads NOTIFY_SOCKET.</summary>
    public SystemdNotifier()
        : this(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"))
    {
    }

    /// <summary>Notifies <paramref name="socketPath"/> (null or empty: disabled).</summary>
    public SystemdNotifier(string? socketPath)
    {
        _socketPath = string.IsNullOrEmpty(socketPath) ? null : socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
    }

    /// <summary>True when there is a service manager to notify.</summary>
    public bool IsEnabled => _socketPath is not null;

    /// <summary>Sends <paramref name="state"/> (newline-separated assignments, e.g. "READY=1\nSTATUS=…"); false when it could not.</summary>
    public bool Notify(string state)
    {
        if (_socketPath is null)
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(_socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
