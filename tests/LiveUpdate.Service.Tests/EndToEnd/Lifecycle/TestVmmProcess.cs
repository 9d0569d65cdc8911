using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Threading.Channels;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// tests/LiveUpdate.TestVmm in a process of its own (as root, like the test). Its stdout is read line by line:
/// <see cref="WaitForAsync"/> consumes lines in order up to the next one with the given tag, so a test follows the VMM
/// step by step without sleeping. Closing stdin ends a <c>run</c> VMM cleanly; <see cref="KillAsync"/> ends it as a crash
/// (or a kexec) would.
/// </summary>
internal sealed class TestVmmProcess : IAsyncDisposable
{
    /// <summary>Tags that end a wait at once with a failure, unless they are what is waited for.</summary>
    private static readonly string[] s_failureTags = ["ERROR", "LOST", "ACK_FAILED", "MISMATCH"];

    private static readonly TimeSpan s_defaultWait = TimeSpan.FromSeconds(30);
    private static readonly Lazy<string> s_dll = new(FindDll);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = [];
    private readonly StringBuilder _stderr = new();

    private TestVmmProcess(string name, Guid vm, IEnumerable<string> arguments)
    {
        Name = name;
        Vm = vm;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(s_dll.Value);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("LIVEUPDATE_SOCKET_DIR");
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The VMM's name (the libvirt domain name it registers with).</summary>
    public string Name { get; }

    /// <summary>Its VM.</summary>
    public Guid Vm { get; }

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Stdout and stderr so far.</summary>
    public string Transcript
    {
        get
        {
            lock (_stderr)
            {
                return $"[{Name}] stdout:\n  {string.Join("\n  ", Lines)}\n[{Name}] stderr:\n{_stderr}";
            }
        }
    }

    /// <summary>Starts <c>run</c>: register, map and fill <paramref name="memoryMiB"/> MiB of guest memory, take part in freezes.</summary>
    public static TestVmmProcess Run(DaemonProcess daemon, Guid vm, string name, ulong memoryMiB, ulong seed, bool noAck = false)
    {
        var arguments = Common("run", daemon, vm, memoryMiB, seed).Concat(["--name", name]);
        return new TestVmmProcess(name, vm, noAck ? arguments.Append("--no-ack") : arguments);
    }

    /// <summary>Runs <c>reclaim</c> to its end: wait for RECLAIM_READY, Reclaim, map and verify every file.</summary>
    public static async Task<VmmOutcome> ReclaimAsync(DaemonProcess daemon, Guid vm, ulong memoryMiB, ulong seed, bool deviceState = true)
    {
        var arguments = Common("reclaim", daemon, vm, memoryMiB, seed).Concat(["--timeout-s", "45"]);
        await using var process = new TestVmmProcess("reclaim-" + vm.ToString("N")[..8], vm, deviceState ? arguments : arguments.Append("--no-device-state"));
        process._process.StandardInput.Close();
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return new VmmOutcome(exitCode, process.Lines, process.Transcript);
    }

    /// <summary>
    /// Consumes lines up to the next one tagged <paramref name="tag"/> and returns it. Fails at once on an ERROR, LOST,
    /// ACK_FAILED or MISMATCH line (unless that is the tag), when the VMM exits first, or after <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> WaitForAsync(string tag, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? s_defaultWait);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(limit.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    var lineTag = line.Split(' ', 2)[0];
                    if (lineTag == tag)
                    {
                        return line;
                    }

                    if (s_failureTags.Contains(lineTag))
                    {
                        Assert.Fail($"{Name}: '{line}' while waiting for {tag}\n{Transcript}");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name}: no {tag} within {(timeout ?? s_defaultWait).TotalSeconds:0.#} s\n{Transcript}");
        }

        await _process.WaitForExitAsync();
        Assert.Fail($"{Name}: exited with code {_process.ExitCode} before {tag}\n{Transcript}");
        return string.Empty;
    }

    /// <summary>True when a line tagged <paramref name="tag"/> was printed (consumed or not).</summary>
    public bool HasPrinted(string tag) => Lines.Any(line => line.Split(' ', 2)[0] == tag);

    /// <summary>SIGKILL: the VMM dies without a word, as in a crash or the kexec.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Closes stdin (a <c>run</c> VMM then exits cleanly) and returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        _process.StandardInput.Close();
        return await WaitForExitAsync(s_defaultWait);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static IEnumerable<string> Common(string command, DaemonProcess daemon, Guid vm, ulong memoryMiB, ulong seed) =>
    [
        command,
        "--socket-dir", daemon.SocketDirectory,
        "--vm", vm.ToString("D"),
        "--memory-mib", memoryMiB.ToString(CultureInfo.InvariantCulture),
        "--seed", seed.ToString(CultureInfo.InvariantCulture),
    ];

    private async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name}: did not exit within {timeout.TotalSeconds:0} s\n{Transcript}");
        }

        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_all)
        {
            _all.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private static string FindDll()
    {
        var configuration = typeof(TestVmmProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveUpdate.sln")))
            {
                var dll = Path.Combine(dir.FullName, "tests", "LiveUpdate.TestVmm", "bin", configuration, "net10.0", "LiveUpdate.TestVmm.dll");
                Assert.True(File.Exists(dll), $"the test VMM is not built: {dll}");
                return dll;
            }
        }

        throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
    }
}
