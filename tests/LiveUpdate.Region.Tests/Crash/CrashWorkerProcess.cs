using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// One life of the crash worker: <c>dotnet LiveUpdate.Region.CrashWorker.dll --region … --seed … --ops …</c>.
/// <para>
/// Where the worker comes from: the test project has a ProjectReference to
/// tests/LiveUpdate.Region.CrashWorker, so every build of the tests builds the worker in the same
/// configuration and copies LiveUpdate.Region.CrashWorker.dll, its .runtimeconfig.json and .deps.json next to
/// the test assembly (the SDK does that for referenced executables). The worker is therefore always
/// <c>AppContext.BaseDirectory/LiveUpdate.Region.CrashWorker.dll</c> — no walking up to the repository, no
/// guessing Debug or Release, never a stale build from another configuration.
/// </para>
/// <para>
/// stdout is read as raw bytes on a background task and split at '\n'; only complete lines count. The
/// worker writes each line with one write(2) of less than PIPE_BUF bytes, so a kill never leaves half a line,
/// and every line it wrote before dying is still in the pipe for us to read.
/// </para>
/// </summary>
internal sealed class CrashWorkerProcess : IDisposable
{
    /// <summary>File name of the worker assembly in the test output folder.</summary>
    public const string AssemblyName = "LiveUpdate.Region.CrashWorker.dll";

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _linesLock = new();
    private readonly TaskCompletionSource _firstDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task<string> _stderr;
    private int _partialBytes;

    private CrashWorkerProcess(Process process)
    {
        _process = process;
        _stdoutPump = Task.Run(PumpStdoutAsync);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The worker assembly next to the test assembly.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, AssemblyName);

    /// <summary>Completes when the worker reports its first DONE line.</summary>
    public Task FirstDone => _firstDone.Task;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a worker on <paramref name="regionPath"/>.</summary>
    public static CrashWorkerProcess Start(string regionPath, int seed, int operations, FaultPoint? point, int hit, string workload = "files")
    {
        if (!File.Exists(AssemblyPath))
        {
            throw new FileNotFoundException($"the crash worker is not next to the tests ({AssemblyPath}); the test project's ProjectReference to LiveUpdate.Region.CrashWorker builds and copies it", AssemblyPath);
        }

        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        start.ArgumentList.Add("--region");
        start.ArgumentList.Add(regionPath);
        start.ArgumentList.Add("--seed");
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--ops");
        start.ArgumentList.Add(operations.ToString(CultureInfo.InvariantCulture));
        if (point is { } faultPoint)
        {
            start.ArgumentList.Add("--fault-point");
            start.ArgumentList.Add(faultPoint.ToString());
            start.ArgumentList.Add("--fault-hit");
            start.ArgumentList.Add(hit.ToString(CultureInfo.InvariantCulture));
        }

        start.ArgumentList.Add("--workload");
        start.ArgumentList.Add(workload);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {DotnetHost} {AssemblyPath}");
        return new CrashWorkerProcess(process);
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Linux); a no-op if the worker has exited.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // exited already
        }
    }

    /// <summary>Waits for the worker to end and for its output to be drained.</summary>
    public async Task<WorkerExit> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await _stdoutPump.WaitAsync(cancellationToken);
        var stderr = await _stderr.WaitAsync(cancellationToken);
        List<string> lines;
        lock (_linesLock)
        {
            lines = [.. _lines];
        }

        return new WorkerExit(_process.ExitCode, lines, stderr, _partialBytes);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The dotnet host the test itself runs under (the CLI exports it), else the one on PATH.</summary>
    private static string DotnetHost
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    private async Task PumpStdoutAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                pending.AddRange(buffer.AsSpan(start, i - start));
                AddLine(Encoding.UTF8.GetString([.. pending]));
                pending.Clear();
                start = i + 1;
            }

            pending.AddRange(buffer.AsSpan(start, read - start));
        }

        _partialBytes = pending.Count; // a line without its '\n' was never completely written: not reported
    }

    private void AddLine(string line)
    {
        lock (_linesLock)
        {
            _lines.Add(line);
        }

        if (line.StartsWith("DONE ", StringComparison.Ordinal))
        {
            _firstDone.TrySetResult();
        }
    }
}
