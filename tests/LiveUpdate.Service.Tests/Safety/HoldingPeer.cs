using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.Safety;

/// <summary>
/// A real process, python3 started as a child of the test, that redeems one Open token on the descriptor socket, keeps
/// the descriptor and never registers as a VMM: what the freeze must not ignore (docs/design.md §13). It lives until it
/// is killed or its stdin is closed.
/// </summary>
internal sealed class HoldingPeer : IAsyncDisposable
{
    private const string Script = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sys.argv[1])
        s.send(bytes.fromhex(sys.argv[2]))
        message, fds, _, _ = socket.recv_fds(s, 2048, 4)
        s.close()
        if not fds or message[:1] != b"\x00":
            print("refused " + message[1:].decode(errors="replace"), flush=True)
            sys.exit(1)
        print("holding %d fd %d" % (os.getpid(), fds[0]), flush=True)
        sys.stdin.read()
        """;

    private readonly Process _process;

    private HoldingPeer(Process process) => _process = process;

    /// <summary>The holder's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>Opens <paramref name="path"/> read-write as this test process and has a new child redeem the token.</summary>
    public static async Task<HoldingPeer> StartAsync(LiveUpdateClient client, string path)
    {
        var open = await client.FilesClient.OpenAsync(new OpenRequest { Path = path, Access = Access.ReadWrite });
        var start = new ProcessStartInfo(Python.Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-c", Script, open.FdSocketPath, Convert.ToHexString(open.Token.Span) })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var peer = new HoldingPeer(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("holding ", StringComparison.Ordinal))
        {
            var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
            await peer.DisposeAsync();
            Assert.Fail($"the holding peer did not get a descriptor of {path}: {line} {stderr}");
        }

        Assert.Equal(process.Id, int.Parse(line!.Split(' ')[1], CultureInfo.InvariantCulture));
        return peer;
    }

    /// <summary>Kills the holder and waits until it is gone (reaped).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
