using LiveUpdate.Deploy.Tests.Support;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// A libvirtd and a virtlogd of the tests' own (no systemd: started with -d), the qemu:///system driver, in a mount
/// namespace of their own where /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt
/// are directories of this fixture: the host's libvirt (and its domains, its qemu.conf, its hooks) is never touched,
/// and the tests may kill and restart this libvirtd as an update does. Clients reach it through the socket in
/// <see cref="Uri"/>. Its qemu.conf gets what install.sh sets (deploy/libvirt-qemu-conf.sh), its hook directory the
/// repository's hook, and <see cref="EmulatorShim"/> is the &lt;emulator&gt; of the tests' domains: it execs
/// liveupdate-emulator with the current daemon's socket directory (libvirt clears QEMU's environment; docs/design.md §15).
/// </summary>
public sealed class PrivateLibvirt : IAsyncLifetime
{
    /// <summary>The fixture's directory; traversable by QEMU's uid (libvirt-qemu), which reads the shim and the kernel.</summary>
    public string Directory { get; } = Path.Combine("/tmp", $"lvt-{Guid.NewGuid():N}"[..16]);

    /// <summary>qemu:///system, on this fixture's libvirtd.</summary>
    public string Uri => $"qemu:///system?socket={Run}/libvirt-sock";

    /// <summary>The &lt;emulator&gt; of the tests' domains.</summary>
    public string EmulatorShim => Path.Combine(Directory, "liveupdate-emulator");

    /// <summary>The tickguest, copied where QEMU's uid may read it.</summary>
    public string Kernel => Path.Combine(Directory, "tickguest.elf");

    private string Run => Path.Combine(Directory, "run");

    private string LibvirtdPidFile => Path.Combine(Directory, "libvirtd.pid");

    private string VirtlogdPidFile => Path.Combine(Directory, "virtlogd.pid");

    /// <summary>Holds the socket directory of the daemon the hook and the shim talk to (<see cref="UseDaemon"/>).</summary>
    private string SocketDirFile => Path.Combine(Directory, "daemon-socket-dir");

    /// <summary>Points the hook and the emulator at a daemon's socket directory (each test has a daemon of its own).</summary>
    public void UseDaemon(string socketDirectory) => File.WriteAllText(SocketDirFile, socketDirectory + "\n");

    public async Task InitializeAsync()
    {
        foreach (var sub in new[] { "run", "lib", "cache", "log", "etc" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        }

        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        File.Copy(TickGuest.Kernel, Kernel);
        File.SetUnixFileMode(Kernel, (UnixFileMode)0b110_100_100);

        // /etc/libvirt without the host's domains and autostarted networks (a network would create a bridge on the host).
        Check(await Command.RunAsync("cp", "-a", "/etc/libvirt/.", Path.Combine(Directory, "etc")));
        Check(await Command.RunAsync("sh", "-c", $"rm -rf '{Directory}/etc/qemu/autostart' '{Directory}/etc/qemu/networks/autostart' '{Directory}/etc/hooks'; find '{Directory}/etc/qemu' -maxdepth 1 -name '*.xml' -delete"));
        Check(await Command.RunAsync(Repo.DeployFile("libvirt-qemu-conf.sh"), Path.Combine(Directory, "etc", "qemu.conf")));

        // install.sh installs deploy/libvirt-hook-qemu as is; here a wrapper gives it the tests' luctl and daemon.
        WriteScript(Path.Combine(Directory, "etc", "hooks", "qemu.d", "liveupdate"), $"""
            #!/bin/sh
            # The repository's libvirt hook, with the tests' luctl and daemon.
            LUCTL='{Programs.Luctl}' LIVEUPDATE_SOCKET_DIR=$(cat '{SocketDirFile}' 2>/dev/null) exec '{Repo.DeployFile("libvirt-hook-qemu")}' "$@"
            """);
        WriteScript(EmulatorShim, $"""
            #!/bin/sh
            # liveupdate-emulator with the tests' daemon and the real QEMU (libvirt clears QEMU's environment).
            LIVEUPDATE_SOCKET_DIR=$(cat '{SocketDirFile}' 2>/dev/null) LIVEUPDATE_QEMU=/usr/bin/qemu-system-x86_64 LIVEUPDATE_EMULATOR_CONF=/dev/null exec '{Programs.Emulator}' "$@"
            """);

        WriteScript(Path.Combine(Directory, "start.sh"), $"""
            #!/bin/sh
            set -e
            mount --make-rprivate /
            mount --bind '{Directory}/etc' /etc/libvirt
            mount --bind '{Run}' /run/libvirt
            mount --bind '{Directory}/lib' /var/lib/libvirt
            mount --bind '{Directory}/cache' /var/cache/libvirt
            mount --bind '{Directory}/log' /var/log/libvirt
            mkdir -p /var/lib/libvirt/qemu /var/lib/libvirt/images
            virtlogd -d -p '{VirtlogdPidFile}'
            libvirtd -d -p '{LibvirtdPidFile}'
            """);
        System.IO.Directory.CreateDirectory("/var/cache/libvirt");
        System.IO.Directory.CreateDirectory("/var/log/libvirt");
        Check(await Command.RunAsync("unshare", "--mount", Path.Combine(Directory, "start.sh")));
        await WaitUntilServingAsync();
    }

    /// <summary>SIGKILL to libvirtd (its QEMUs run on; a new libvirtd reconnects to them).</summary>
    public async Task KillLibvirtdAsync()
    {
        int pid = ReadPid(LibvirtdPidFile);
        Check(await Command.RunAsync("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (System.IO.Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        File.Delete(LibvirtdPidFile);
    }

    /// <summary>Starts libvirtd again, in the namespace virtlogd still holds.</summary>
    public async Task StartLibvirtdAsync()
    {
        Check(await Command.RunAsync("nsenter", "-t", ReadPid(VirtlogdPidFile).ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "libvirtd", "-d", "-p", LibvirtdPidFile));
        await WaitUntilServingAsync();
    }

    /// <summary>virsh on this libvirtd.</summary>
    public Task<CommandResult> VirshAsync(params string[] args) =>
        Command.RunAsync("virsh", new[] { "-c", Uri }.Concat(args), timeout: TimeSpan.FromSeconds(90));

    /// <summary>virsh that must succeed; its stdout, trimmed.</summary>
    public async Task<string> VirshOkAsync(params string[] args)
    {
        var result = await VirshAsync(args);
        Assert.True(result.ExitCode == 0, $"virsh {string.Join(' ', args)}: {result.Output}");
        return result.Stdout.Trim();
    }

    /// <summary>The pid of a running domain's QEMU (libvirt's pid file in this fixture's /run/libvirt).</summary>
    public int QemuPid(string domain) => ReadPid(Path.Combine(Run, "qemu", domain + ".pid"));

    /// <summary>The QEMU command line of a running domain, one argument per element.</summary>
    public string[] QemuArguments(string domain) =>
        File.ReadAllText($"/proc/{QemuPid(domain)}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>libvirt's log of a domain (QEMU's stderr: the emulator's refusals land there).</summary>
    public string DomainLog(string domain)
    {
        var path = Path.Combine(Directory, "log", "qemu", domain + ".log");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    public async Task DisposeAsync()
    {
        if (File.Exists(LibvirtdPidFile))
        {
            var names = await VirshAsync("list", "--all", "--name");
            foreach (var name in names.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await VirshAsync("destroy", name);
                await VirshAsync("undefine", "--managed-save", name);
            }

            await Command.RunAsync("kill", "-TERM", ReadPid(LibvirtdPidFile).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (File.Exists(VirtlogdPidFile))
        {
            await Command.RunAsync("kill", "-TERM", ReadPid(VirtlogdPidFile).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // The namespace's mounts go with its last process; the directories are plain ones here.
        await Task.Delay(500);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var result = await Command.RunAsync("virsh", ["-c", Uri, "version"]);
            if (result.ExitCode == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the tests' libvirtd does not answer on {Uri}: {result.Output}");
            await Task.Delay(100);
        }
    }

    private static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteScript(string path, string text)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    private static void Check(CommandResult result) => Assert.True(result.ExitCode == 0, result.Output);
}
