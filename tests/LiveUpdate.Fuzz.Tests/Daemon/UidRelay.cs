using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// A byte relay in front of the daemon's gRPC socket that runs as another uid (python3 under setpriv): every connection
/// to <see cref="SocketPath"/> becomes a connection the relay makes to the daemon, so the daemon sees that uid
/// (SO_PEERCRED) while the fuzzing stays in this process.
/// </summary>
internal sealed class UidRelay : IAsyncDisposable
{
    private const string Script = """
        import socket, sys, threading
        listen_path, target = sys.argv[1], sys.argv[2]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(listen_path)
        server.listen(64)
        print("READY", flush=True)
        def pump(source, sink):
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        while True:
            client, _ = server.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(target)
            except OSError:
                client.close()
                continue
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        """;

    private readonly Process _process;
    private readonly string _directory;

    private UidRelay(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string SocketPath => Path.Combine(_directory, "relay.sock");

    /// <summary>Starts the relay as <paramref name="uid"/>:<paramref name="gid"/> (no supplementary groups) in front of <paramref name="target"/>.</summary>
    public static async Task<UidRelay> StartAsync(uint uid, uint gid, string target)
    {
        var directory = Path.Combine("/dev/shm", $"lu-fuzz-relay-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0x1FF); // 0777: the relay's uid binds its socket here
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in new[]
        {
            "--reuid=" + uid.ToString(CultureInfo.InvariantCulture), "--regid=" + gid.ToString(CultureInfo.InvariantCulture), "--clear-groups",
            "--", Python.Interpreter, "-c", Script, Path.Combine(directory, "relay.sock"), target,
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var relay = new UidRelay(process, directory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "READY")
        {
            var error = await process.StandardError.ReadToEndAsync(timeout.Token);
            await relay.DisposeAsync();
            throw new InvalidOperationException($"the relay as uid {uid} did not start: {line} {error}");
        }

        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
