using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Net.Client;

namespace LiveUpdate.Service.Tests;

/// <summary>
/// A real liveupdated process on a temporary region and socket directory under /dev/shm. Start waits for the daemon's
/// READY=1 on a NOTIFY_SOCKET datagram socket of its own (no sleeps, no polling); Stop sends SIGTERM and returns the exit code.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _output = new();
    private readonly Socket _notify;
    private Process? _process;

    private DaemonProcess(string directory)
    {
        Directory = directory;
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint(NotifyPath));
    }

    /// <summary>The temporary directory holding region, sockets and boot id.</summary>
    public string Directory { get; }

    public string RegionPath => Path.Combine(Directory, "region");

    public string SocketDirectory => Path.Combine(Directory, "sock");

    public string GrpcSocketPath => Path.Combine(SocketDirectory, "liveupdate.sock");

    public string FdSocketPath => Path.Combine(SocketDirectory, "fd.sock");

    public string BootIdPath => Path.Combine(Directory, "boot_id");

    private string NotifyPath => Path.Combine(Directory, "notify.sock");

    /// <summary>Everything the daemon printed so far.</summary>
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

    public int Pid => _process!.Id;

    /// <summary>Environment variables every start of the daemon gets (e.g. a per-uid quota, LIVEUPDATE_QUOTAS__UID__BYTES).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>
    /// The first match of <paramref name="pattern"/> in the output, waited for (polling every 50 ms, at most
    /// <paramref name="timeout"/>): the daemon's console logger writes asynchronously, so a line may reach the output
    /// after the call that caused it has returned. A failed match when it never comes.
    /// </summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var match = pattern.Match(Output);
            if (match.Success || DateTime.UtcNow >= deadline)
            {
                return match;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A fresh temporary directory with an empty (all-zero) region of <paramref name="regionBytes"/>.</summary>
    public static DaemonProcess Create(long regionBytes = 64L << 20)
    {
        var directory = Path.Combine("/dev/shm", $"lu-svc-tests-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        using (var region = new FileStream(Path.Combine(directory, "region"), FileMode.CreateNew))
        {
            region.SetLength(regionBytes);
        }

        File.WriteAllText(Path.Combine(directory, "boot_id"), Guid.NewGuid().ToString("D") + "\n");
        return new DaemonProcess(directory);
    }

    /// <summary>The daemon's build output.</summary>
    public static string DaemonDll
    {
        get
        {
            var configuration = typeof(DaemonProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LiveUpdate.sln")))
                {
                    return Path.Combine(dir.FullName, "service", "LiveUpdate.Service", "bin", configuration, "net10.0", "liveupdated.dll");
                }
            }

            throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Starts the daemon with the directory's region, sockets and boot id plus <paramref name="extra"/>; waits for READY=1.</summary>
    public async Task StartAsync(params string[] extra)
    {
        var process = Launch(extra);
        var ready = WaitForReadyAsync();
        var exited = process.WaitForExitAsync();
        var finished = await Task.WhenAny(ready, exited, Task.Delay(s_startTimeout));
        if (finished != ready)
        {
            throw new InvalidOperationException($"the daemon did not become ready (exited: {process.HasExited}):\n{Output}");
        }
    }

    /// <summary>Runs the daemon expecting it to exit by itself (a refused start); returns the exit code.</summary>
    public async Task<int> RunToExitAsync(params string[] extra)
    {
        var process = Launch(extra);
        using var timeout = new CancellationTokenSource(s_startTimeout);
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit(); // drains the output readers
        return process.ExitCode;
    }

    /// <summary>SIGTERM, then waits; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process!;
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(s_startTimeout);
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the daemon dies without cleaning up, as in a crash.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>A gRPC channel over the daemon's Unix socket.</summary>
    public GrpcChannel Channel() => Channel(GrpcSocketPath);

    /// <summary>A gRPC channel over the Unix socket at <paramref name="path"/> (the daemon's, or a relay's in front of it).</summary>
    public static GrpcChannel Channel(string path)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _notify.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Process Launch(string[] extra)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DaemonDll);
        foreach (var arg in new[] { "--region", RegionPath, "--socket-dir", SocketDirectory, "--boot-id-file", BootIdPath }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NOTIFY_SOCKET"] = NotifyPath;
        foreach (var name in new[] { "LIVEUPDATE_REGION", "LIVEUPDATE_SOCKET_DIR", "LIVEUPDATE_FORMAT", "LIVEUPDATE_LIBVIRT_URI", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        _process?.Dispose();
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return _process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitForReadyAsync()
    {
        var buffer = new byte[4096];
        while (true)
        {
            var received = await _notify.ReceiveAsync(buffer, SocketFlags.None);
            if (Encoding.UTF8.GetString(buffer, 0, received).Split('\n').Contains("READY=1"))
            {
                return;
            }
        }
    }
}
