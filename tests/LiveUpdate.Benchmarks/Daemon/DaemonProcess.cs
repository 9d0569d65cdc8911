using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// One run of the real daemon as a child process: <c>liveupdated --region DIR/region --socket-dir DIR/sock
/// --format</c>, with NOTIFY_SOCKET pointing at a datagram socket of ours, so READY=1 is seen the moment it is sent (a
/// thread blocks in recv on it). <see cref="Stop"/> sends SIGTERM; <see cref="Dispose"/> kills a daemon still running
/// (also when this process is ended: exit, SIGINT, SIGTERM), so no daemon outlives the benchmark.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] s_inheritedVariables =
        ["LIVEUPDATE_REGION", "LIVEUPDATE_REGION_SIZE", "LIVEUPDATE_FORMAT", "LIVEUPDATE_SOCKET_DIR", "LIVEUPDATE_PHYS_BASE",
         "LIVEUPDATE_BOOT_ID_FILE", "LIVEUPDATE_ADMIN_GROUP", "LIVEUPDATE_METRICS_PORT", "LIVEUPDATE_LIBVIRT_URI",
         "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"];

    private readonly Process _process;
    private readonly Socket _notify;
    private readonly Thread _notifyThread;
    private readonly ManualResetEventSlim _ready = new();
    private readonly TimestampedLines _lines = new();
    private readonly TerminationSignals _termination;
    private long _readyTimestamp;
    private bool _disposed;

    private DaemonProcess(DaemonDirectory directory, DaemonOutput output, IReadOnlyList<string> arguments)
    {
        Directory = directory;
        Output = output;
        File.Delete(directory.NotifyPath);
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint(directory.NotifyPath));
        _notifyThread = new Thread(ReceiveNotifications) { IsBackground = true, Name = "daemon-notify" };
        _notifyThread.Start();
        _process = new Process { StartInfo = StartInfo(directory, output, arguments) };
        if (output == DaemonOutput.Lines)
        {
            _lines.Capture(_process);
        }

        _termination = TerminationSignals.OnTermination(KillNow);
    }

    public DaemonDirectory Directory { get; }

    public DaemonOutput Output { get; }

    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedTimestamp { get; private set; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Stopwatch timestamp at which READY=1 arrived, or 0 before.</summary>
    public long ReadyTimestamp => Interlocked.Read(ref _readyTimestamp);

    /// <summary>The lines printed so far with their arrival timestamps (<see cref="DaemonOutput.Lines"/> only).</summary>
    public IReadOnlyList<(long Timestamp, string Line)> Lines => _lines.Snapshot();

    /// <summary>
    /// Starts the daemon on <paramref name="directory"/> without waiting for it; <paramref name="arguments"/> are added to
    /// its command line (<c>--boot-id-file PATH</c>, <c>--libvirt-uri URI</c>).
    /// </summary>
    public static DaemonProcess Start(DaemonDirectory directory, DaemonOutput output, IReadOnlyList<string>? arguments = null)
    {
        var daemon = new DaemonProcess(directory, output, arguments ?? []);
        try
        {
            daemon.StartedTimestamp = Stopwatch.GetTimestamp();
            daemon._process.Start();
            if (output == DaemonOutput.Lines)
            {
                daemon._process.BeginOutputReadLine();
                daemon._process.BeginErrorReadLine();
            }
        }
        catch
        {
            daemon.Dispose();
            throw;
        }

        return daemon;
    }

    /// <summary>Starts the daemon and waits for READY=1; throws with its output when it exits or times out first.</summary>
    public static DaemonProcess StartAndWait(DaemonDirectory directory, DaemonOutput output, IReadOnlyList<string>? arguments = null)
    {
        var daemon = Start(directory, output, arguments);
        try
        {
            daemon.WaitForReady();
        }
        catch
        {
            daemon.Dispose();
            throw;
        }

        return daemon;
    }

    /// <summary>Milliseconds from process start to READY=1, waiting for it if need be.</summary>
    public double WaitForReady()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(s_timeout.TotalSeconds * Stopwatch.Frequency);
        while (!_ready.Wait(50))
        {
            if (_process.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw Failed(_process.HasExited ? $"exited with code {_process.ExitCode} before READY=1" : "sent no READY=1 within 60 s");
            }
        }

        return Stopwatch.GetElapsedTime(StartedTimestamp, ReadyTimestamp).TotalMilliseconds;
    }

    /// <summary>A client of this daemon's socket directory; <paramref name="maxAttempts"/> 1 turns retries off.</summary>
    public LiveUpdateClient NewClient(int maxAttempts = 10) => new(new LiveUpdateClientOptions
    {
        SocketDirectory = Directory.SocketDirectory,
        MaxAttempts = maxAttempts,
    });

    /// <summary>SIGTERM, then waits for the exit; returns the milliseconds it took. Throws when the exit code is not 0.</summary>
    public double Stop()
    {
        var started = Stopwatch.GetTimestamp();
        if (!_process.HasExited)
        {
            UnixSignals.Kill(_process.Id, UnixSignals.SIGTERM);
        }

        if (!_process.WaitForExit(s_timeout))
        {
            KillNow();
            throw Failed("did not stop within 60 s of SIGTERM (killed)");
        }

        _process.WaitForExit(); // drains the output readers
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return _process.ExitCode == 0 ? elapsed : throw Failed($"exited with code {_process.ExitCode} after SIGTERM");
    }

    /// <summary>SIGKILL, as a crash or a kexec ends it (nothing saved, no clean-up of its own); waits for the exit.</summary>
    public void Kill() => KillNow();

    /// <summary>The last lines of the daemon's output, for error messages.</summary>
    public string Tail(int count = 30)
    {
        if (Output == DaemonOutput.Lines)
        {
            return _lines.Tail(count);
        }

        try
        {
            using var stream = new FileStream(Directory.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Max(0, stream.Length - 8192), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(count));
        }
        catch (IOException ex)
        {
            return $"(no log: {ex.Message})";
        }
    }

    /// <summary>The daemon's log file's size in bytes (<see cref="DaemonOutput.File"/> only).</summary>
    public long LogBytes() => new FileInfo(Directory.LogPath).Length;

    public InvalidOperationException Failed(string what) =>
        new($"liveupdated ({Directory.Root}) {what}; its last output:\n{Tail()}");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _termination.Dispose();
        KillNow();
        _process.Dispose();
        _notify.Dispose(); // ends the notify thread's recv
        _notifyThread.Join(TimeSpan.FromSeconds(5));
        _ready.Dispose();
        File.Delete(Directory.NotifyPath);
    }

    private static ProcessStartInfo StartInfo(DaemonDirectory directory, DaemonOutput output, IReadOnlyList<string> arguments)
    {
        string[] daemon = [.. DaemonBinary.Command, "--region", directory.RegionPath, "--socket-dir", directory.SocketDirectory, "--format", .. arguments];
        ProcessStartInfo start;
        if (output == DaemonOutput.File)
        {
            // sh execs the daemon (same pid) with its output appended to the log file: nothing here has to read it.
            start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            foreach (var arg in new[] { "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", directory.LogPath }.Concat(daemon))
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            start = new ProcessStartInfo(daemon[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in daemon.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.Environment["NOTIFY_SOCKET"] = directory.NotifyPath;
        foreach (var name in s_inheritedVariables)
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    private void ReceiveNotifications()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = _notify.Receive(buffer);
                var now = Stopwatch.GetTimestamp();
                if (Encoding.UTF8.GetString(buffer, 0, received).Split('\n').Contains("READY=1"))
                {
                    Interlocked.CompareExchange(ref _readyTimestamp, now, 0);
                    _ready.Set();
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
