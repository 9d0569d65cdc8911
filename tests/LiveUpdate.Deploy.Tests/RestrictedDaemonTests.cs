using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>
/// The installed daemon, started with the unit's ExecStart arguments under as much of the unit's sandbox as can be built
/// without systemd as PID 1 (Sandbox/unit-sandbox.sh: read-only file system, private /tmp, no home, umask 0077, no
/// capabilities at all, no_new_privs, the unit's exact system-call allow list with EPERM for the rest, and its socket
/// address families), must become ready, feed the watchdog, serve the installed luctl and the metrics, and stop cleanly.
/// </summary>
[Collection(InstallCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class RestrictedDaemonTests(InstallFixture install, ITestOutputHelper output)
{
    [Fact(Timeout = 180_000)]
    public async Task Sandbox_really_applies_the_restrictions()
    {
        // The negative control: the same sandbox around a shell shows the filter, the capabilities and the read-only root.
        Assert.True(install.First.ExitCode == 0, install.First.Output);
        using var work = new TempDirectory("lu-sandbox", "/dev/shm");
        var filter = await WriteFilterAsync(work);
        var marker = Path.Combine(Path.GetTempPath(), $"lu-sandbox-marker-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(marker, "host /tmp");
        var probe = "grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' /proc/self/status; " +
            "touch /usr/lu-sandbox-probe 2>/dev/null && echo usr-writable || echo usr-read-only; " +
            $"test -e {marker} && echo tmp-shared || echo tmp-private; umask; " +
            "/usr/bin/python3 -c 'import os; os.setuid(0)' 2>/dev/null && echo setuid-allowed || echo setuid-refused";
        CommandResult result;
        try
        {
            result = await Command.RunAsync(
                Repo.SandboxFile("unit-sandbox.sh"), [filter, UnitSandbox.Families(await UnitAsync()), "--", "/bin/sh", "-c", probe], timeout: TimeSpan.FromSeconds(60));
        }
        finally
        {
            File.Delete(marker);
        }

        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("NoNewPrivs:\t1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Seccomp:\t2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000000000", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("CapBnd:\t0000000000000000", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("usr-read-only", lines);
        Assert.Contains("tmp-private", lines);
        Assert.Contains("0077", lines);
        // setuid(0) as uid 0 needs no capability: only the system-call filter (@privileged denied) refuses it.
        Assert.Contains("setuid-refused", lines);
    }

    [Fact(Timeout = 180_000)]
    public async Task Installed_daemon_starts_serves_and_stops_under_the_units_restrictions()
    {
        Assert.True(install.First.ExitCode == 0, install.First.Output);
        var unit = await UnitAsync();
        using var work = new TempDirectory("lu-sandbox", "/dev/shm");
        var filter = await WriteFilterAsync(work);
        var region = work["region"];
        using (var file = File.Create(region))
        {
            file.SetLength(64L << 20); // an empty (all-zero) region: the daemon formats it
        }

        var socketDirectory = work["run-liveupdate"];
        Directory.CreateDirectory(socketDirectory, (UnixFileMode)0b111_101_000);
        var metricsPort = FreePort();

        // The unit's own ExecStart arguments, with the socket directory moved into the test's directory and the region named.
        var execStart = SyscallFilter.UnitValues(unit, "ExecStart").Single().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var socketDirIndex = execStart.IndexOf("--socket-dir");
        Assert.True(socketDirIndex > 0, "ExecStart has no --socket-dir");
        execStart[socketDirIndex + 1] = socketDirectory;
        // The unit's --admin-group names liveupdate-admin (and Group= liveupdate), which sysusers creates on a real host; this one need
        // not have it, so the sandboxed daemon runs as group root with root as its admin group (and socket directory group).
        var adminGroupIndex = execStart.IndexOf("--admin-group");
        Assert.True(adminGroupIndex > 0, "ExecStart has no --admin-group");
        Assert.Equal("liveupdate-admin", execStart[adminGroupIndex + 1]);
        execStart[adminGroupIndex + 1] = "root";
        execStart[0] = install[execStart[0].TrimStart('/')];
        execStart.AddRange(["--region", region, "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var notifyPath = work["notify.sock"];
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));

        // systemd's environment for a system service: no HOME, NOTIFY_SOCKET, WATCHDOG_USEC (here 2 s: a ping every second).
        string[] command =
        [
            Repo.SandboxFile("unit-sandbox.sh"), filter, UnitSandbox.Families(unit), "--",
            "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG=C.UTF-8",
            $"NOTIFY_SOCKET={notifyPath}", "WATCHDOG_USEC=2000000", .. execStart,
        ];
        var start = new System.Diagnostics.ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        // The install root lives in this test's output directory, which PrivateTmp/ProtectHome would hide when the
        // clone is under /tmp, /root or /home.
        start.Environment["UNIT_SANDBOX_KEEP"] = Path.GetDirectoryName(execStart[0])!;

        using var daemon = System.Diagnostics.Process.Start(start)!;
        var log = new StringBuilder();
        daemon.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        daemon.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        string Log() { lock (log) { return log.ToString(); } }

        try
        {
            var ready = await ReceiveUntilAsync(notify, "READY=1", TimeSpan.FromSeconds(60), daemon);
            Assert.True(ready is not null, $"no READY=1 within 60 s:\n{Log()}");
            Assert.Contains($"MAINPID={daemon.Id}", ready, StringComparison.Ordinal);
            var watchdog = await ReceiveUntilAsync(notify, "WATCHDOG=1", TimeSpan.FromSeconds(10), daemon);
            Assert.True(watchdog is not null, $"no WATCHDOG=1 within 10 s:\n{Log()}");

            // The installed luctl against it: read the status, create a VM's guest memory, stat it.
            var luctl = install["usr/bin/luctl"];
            var status = await Command.RunAsync(luctl, "--socket-dir", socketDirectory, "status", "--json");
            output.WriteLine(status.Output);
            Assert.True(status.ExitCode == 0, $"{status.Output}\n{Log()}");
            using (var json = JsonDocument.Parse(status.Stdout))
            {
                Assert.Equal("ACTIVE", json.RootElement.GetProperty("state").GetString()!.ToUpperInvariant());
            }

            const string uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
            var create = await Command.RunAsync(luctl, "--socket-dir", socketDirectory, "create", $"/vm/{uuid}/memory", "--size", "8M", "--kind", "guest-memory", "--vm", uuid, "--parents");
            Assert.True(create.ExitCode == 0, $"{create.Output}\n{Log()}");
            var stat = await Command.RunAsync(luctl, "--socket-dir", socketDirectory, "stat", "--json", $"/vm/{uuid}/memory");
            Assert.True(stat.ExitCode == 0, stat.Output);
            using (var json = JsonDocument.Parse(stat.Stdout))
            {
                Assert.Equal(8UL << 20, json.RootElement.GetProperty("size_bytes").GetUInt64());
            }

            // The socket files: the directory's group, mode 0660, although the process has no CAP_CHOWN.
            foreach (var socket in new[] { "liveupdate.sock", "fd.sock" })
            {
                Assert.Equal((UnixFileMode)0b110_110_000, File.GetUnixFileMode(Path.Combine(socketDirectory, socket)));
            }

            // Metrics on loopback (AF_INET through the family filter).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
            Assert.Contains("# TYPE", metrics, StringComparison.Ordinal);

            // SIGTERM, as systemctl stop sends it: STOPPING=1, then exit 0.
            var term = await Command.RunAsync("/bin/kill", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(term.ExitCode == 0, term.Output);
            var stopping = await ReceiveUntilAsync(notify, "STOPPING=1", TimeSpan.FromSeconds(20), daemon: null);
            Assert.True(stopping is not null, $"no STOPPING=1:\n{Log()}");
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await daemon.WaitForExitAsync(exit.Token);
            Assert.True(daemon.ExitCode == 0, $"exit {daemon.ExitCode}:\n{Log()}");
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync();
            }

            output.WriteLine(Log());
        }

        // Nothing the sandbox refused was worth a warning or an error.
        Assert.DoesNotContain("fail:", Log(), StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", Log(), StringComparison.Ordinal);
        Assert.DoesNotContain("Operation not permitted", Log(), StringComparison.Ordinal);
    }

    private async Task<string> UnitAsync() => await File.ReadAllTextAsync(install["usr/lib/systemd/system/liveupdate.service"]);

    private async Task<string> WriteFilterAsync(TempDirectory work) => await UnitSandbox.WriteFilterAsync(await UnitAsync(), work["syscalls"]);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Reads notify datagrams until one contains <paramref name="expected"/>; null on timeout or when <paramref name="daemon"/> exits first.</summary>
    private static async Task<string?> ReceiveUntilAsync(Socket socket, string expected, TimeSpan timeout, System.Diagnostics.Process? daemon)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var exited = daemon?.WaitForExitAsync(CancellationToken.None) ?? Task.Delay(Timeout.Infinite, cancel.Token);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var receive = socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token).AsTask();
                if (await Task.WhenAny(receive, exited) != receive)
                {
                    await cancel.CancelAsync();
                    await receive.ContinueWith(_ => { }, TaskScheduler.Default);
                    return null;
                }

                var message = Encoding.UTF8.GetString(buffer, 0, await receive);
                if (message.Split('\n').Contains(expected))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
