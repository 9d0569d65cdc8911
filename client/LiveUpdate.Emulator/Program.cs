using LiveUpdate.Client;
using LiveUpdate.Emulator.CommandLine;
using LiveUpdate.Emulator.Proxy;
using LiveUpdate.Qemu;

namespace LiveUpdate.Emulator;

/// <summary>
/// liveupdate-emulator QEMU-ARGS…: what libvirt runs as a persistent domain's QEMU (docs/design.md §15, README.md).
/// <c>liveupdate-emulator --qmp-proxy LISTEN_FD QEMU_FD</c>: its QMP proxy, which it starts itself.
/// </summary>
internal static class Program
{
    /// <summary>The first argument that makes this process the QMP proxy.</summary>
    public const string ProxyOption = "--qmp-proxy";

    private const string Name = "liveupdate-emulator";

    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == ProxyOption)
        {
            return await QmpProxy.RunFromCommandLineAsync(args[1..], Console.Error).ConfigureAwait(false);
        }

        EmulatorConfig config;
        try
        {
            config = EmulatorConfig.Load(Environment.GetEnvironmentVariable);
        }
        catch (Exception e) when (e is UsageException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            await RunAsync(config, args).ConfigureAwait(false);
        }
        catch (RefusedException e)
        {
            await Console.Error.WriteLineAsync($"{Name}: refusing to start QEMU: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        catch (Exception e) when (e is ErrnoException or LiveUpdateException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        return ExitCodes.Refused;
    }

    /// <summary>Execs QEMU (never returns normally) or throws the reason it must not start.</summary>
    private static async Task RunAsync(EmulatorConfig config, string[] args)
    {
        LibvirtQemuArguments parsed;
        try
        {
            parsed = LibvirtQemuArguments.Parse(args);
        }
        catch (UsageException)
        {
            // Arguments QEMU refuses as well: it says so itself, in its own words.
            QemuLauncher.Exec(config.Qemu, args);
            return;
        }

        if (parsed.Uuid is not { } uuid)
        {
            QemuLauncher.Exec(config.Qemu, args);
            return;
        }

        DomainMemory? memory;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions
        {
            SocketDirectory = config.SocketDirectory,
            MaxAttempts = 3,
            RetryTimeout = TimeSpan.FromSeconds(3),
            CallTimeout = TimeSpan.FromSeconds(10),
        });
        try
        {
            memory = await DomainMemory.LookUpAsync(client, uuid, parsed.RamBackends, timeout.Token).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error is LiveUpdateError.Unavailable or LiveUpdateError.DeadlineExceeded)
        {
            if (parsed.Incoming)
            {
                throw new RefusedException(
                    $"the LiveUpdate daemon at {config.SocketDirectory} cannot be reached ({e.Message}), and a restore without the domain's guest memory would run on empty RAM");
            }

            await Console.Error.WriteLineAsync(
                $"{Name}: warning: the LiveUpdate daemon at {config.SocketDirectory} cannot be reached ({e.Message}); starting domain {uuid:D} as plain QEMU, its RAM not in the region").ConfigureAwait(false);
            QemuLauncher.Exec(config.Qemu, args);
            return;
        }

        if (memory is null)
        {
            QemuLauncher.Exec(config.Qemu, args);
            return;
        }

        if (parsed.Incoming)
        {
            await memory.CheckManagedSaveAsync(client, timeout.Token).ConfigureAwait(false);
        }

        var rewritten = new List<string>(args);
        foreach (var backend in parsed.RamBackends)
        {
            rewritten[backend.ValueIndex] = backend.Rewrite(memory.PlacementOf(backend), $"/vm/{uuid:D}/{backend.FileName}");
        }

        var monitor = parsed.Monitor ?? throw new RefusedException(
            "QEMU's arguments have no QMP monitor on a socket libvirt passed (-chardev socket,fd=N with -mon mode=control): x-ignore-shared cannot be turned on before libvirt's commands");
        await client.DisposeAsync().ConfigureAwait(false);
        await Console.Error.WriteLineAsync(
            $"{Name}: domain {uuid:D}: RAM on {string.Join(", ", parsed.RamBackends.Select(b => $"/vm/{uuid:D}/{b.FileName}"))}{(parsed.Incoming ? " (restore: managed-save record checked)" : string.Empty)}").ConfigureAwait(false);
        QemuLauncher.ExecWithProxy(config.Qemu, rewritten, monitor);
    }
}
