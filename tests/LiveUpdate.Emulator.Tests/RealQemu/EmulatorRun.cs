using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>
/// liveupdate-emulator started the way libvirt starts its emulator: QEMU's arguments, a listening Unix socket for the
/// monitor passed as an inherited descriptor (<c>-chardev socket,id=charmonitor,fd=N,server=on,wait=off</c>), and the
/// environment a site's &lt;emulator&gt; shim sets. Its stdout and stderr (libvirt's domain log) are collected.
/// </summary>
internal sealed class EmulatorRun : IAsyncDisposable
{
    private static readonly Lock s_inheritance = new();
    private readonly StringBuilder _output = new();
    private readonly Socket? _listener;

    private EmulatorRun(Process process, Socket? listener, string? monitorPath)
    {
        Process = process;
        _listener = listener;
        MonitorPath = monitorPath;
    }

    public Process Process { get; }

    /// <summary>The path libvirt would connect to (the listening socket's).</summary>
    public string? MonitorPath { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the emulator with <paramref name="arguments"/>; "{MONITOR_FD}" in them becomes the descriptor of a fresh
    /// listening socket (in <paramref name="directory"/>) that the emulator inherits.
    /// </summary>
    public static EmulatorRun Start(string socketDirectory, string directory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "liveupdate-emulator.dll"));
        start.Environment["LIVEUPDATE_SOCKET_DIR"] = socketDirectory;
        start.Environment["LIVEUPDATE_QEMU"] = "/usr/bin/" + LiveUpdate.Qemu.Tests.RealQemu.TickGuest.Qemu;
        start.Environment["LIVEUPDATE_EMULATOR_CONF"] = "/dev/null";

        List<string> args = [.. arguments];
        Socket? listener = null;
        string? monitorPath = null;
        if (args.Any(a => a.Contains("{MONITOR_FD}", StringComparison.Ordinal)))
        {
            monitorPath = Path.Combine(directory, $"monitor-{Guid.NewGuid():N}.sock");
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(monitorPath));
            listener.Listen(4);
            string fd = ((int)listener.Handle).ToString(CultureInfo.InvariantCulture);
            args = [.. args.Select(a => a.Replace("{MONITOR_FD}", fd, StringComparison.Ordinal))];
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var run = new EmulatorRun(process, listener, monitorPath);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        lock (s_inheritance)
        {
            // As libvirt does: the listening socket without close-on-exec, only while the emulator is being started.
            if (listener is not null)
            {
                Interop.Libc.SetCloseOnExec((int)listener.Handle, false, "the test's monitor socket");
            }

            try
            {
                process.Start();
            }
            finally
            {
                if (listener is not null)
                {
                    Interop.Libc.SetCloseOnExec((int)listener.Handle, true, "the test's monitor socket");
                }
            }
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // The test keeps its copy open until the end: .NET unlinks the socket's path when it closes a socket it bound.
        // Only the proxy accepts on it.
        return run;
    }

    /// <summary>Runs the emulator to its exit (a refusal, or QEMU's own quick exit); returns the exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string socketDirectory, string directory, IEnumerable<string> arguments)
    {
        await using var run = Start(socketDirectory, directory, arguments);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await run.Process.WaitForExitAsync(timeout.Token);
        run.Process.WaitForExit();
        return (run.Process.ExitCode, run.Output);
    }

    /// <summary>Connects as libvirt does, to the listening socket's path.</summary>
    public Task<QmpTestConnection> ConnectAsync() => QmpTestConnection.ConnectAsync(MonitorPath!);

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        _listener?.Dispose();
        if (MonitorPath is not null)
        {
            File.Delete(MonitorPath);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
