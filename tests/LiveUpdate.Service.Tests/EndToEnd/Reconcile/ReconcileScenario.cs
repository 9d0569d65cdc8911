using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Inventory;
using LiveUpdate.Service.Tests.Inventory;

namespace LiveUpdate.Service.Tests.EndToEnd.Reconcile;

/// <summary>The reconcile tests spawn daemon processes: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReconcileCollection
{
    public const string Name = "reconcile end to end";
}

/// <summary>One file the scenario creates.</summary>
internal sealed record SeededFile(string Path, FileKind Kind, ulong Size);

/// <summary>
/// One VM of the scenario: its files in the region (maybe none), and whether libvirt's test driver defines it (and marks it
/// persistent). <see cref="Expected"/> is the verdict docs/design.md §7 gives it; null when the reconcile must not mention it.
/// </summary>
internal sealed record SeededVm(string Name, Guid Uuid, bool Defined, bool Marked, SeededFile[] Files)
{
    public VmVerdictKind? Expected => (Defined, Marked, Files.Any(f => f.Kind == FileKind.GuestMemory), Files.Length > 0) switch
    {
        (true, true, false, _) => VmVerdictKind.Missing,
        (true, _, _, true) => VmVerdictKind.Resumable,
        (false, _, _, true) => VmVerdictKind.Orphaned,
        _ => null,
    };

    /// <summary>The verdict when there is no inventory (or it cannot be read): every VM with files is RESUMABLE.</summary>
    public VmVerdictKind? ExpectedOnFilesAlone => Files.Length > 0 ? VmVerdictKind.Resumable : null;
}

/// <summary>
/// A real daemon on a fresh 64 MiB region, a libvirt test-driver node file, and a region seeded with files of several VMs:
/// <code>
/// alpha    defined, marked    /vms/alpha/ram (GUEST_MEMORY 4 MiB), /vms/alpha/state (DEVICE_STATE)  → RESUMABLE
/// bravo    defined (shut off) /vms/bravo/ram (GUEST_MEMORY 2 MiB), /vms/bravo/state (DEVICE_STATE)  → RESUMABLE
/// charlie  not defined        /vms/charlie/ram (GUEST_MEMORY 6 MiB), /vms/charlie/state             → ORPHANED
/// delta    not defined        /vms/delta/dev/state (DEVICE_STATE), /vms/delta/notes (BLOB)          → ORPHANED
/// echo     defined, marked    no files                                                              → MISSING
/// foxtrot  defined, marked    /vms/foxtrot/state (DEVICE_STATE only, no guest memory)               → MISSING
/// golf     defined            no files                                                              → not reported
/// /shared/blob: a BLOB of no VM                                                                     → not reported
/// </code>
/// </summary>
internal sealed class ReconcileScenario : IAsyncDisposable
{
    public const string UnownedBlob = "/shared/blob";

    private ReconcileScenario(DaemonProcess daemon, TestDriverNode node, SeededVm[] vms)
    {
        Daemon = daemon;
        Node = node;
        Vms = vms;
        Client = Clients.For(daemon);
    }

    public DaemonProcess Daemon { get; }

    public TestDriverNode Node { get; }

    public SeededVm[] Vms { get; }

    public LiveUpdateClient Client { get; }

    public SeededVm this[string name] => Vms.Single(v => v.Name == name);

    /// <summary>Every file the scenario seeded (VM files and the unowned blob).</summary>
    public IEnumerable<SeededFile> AllFiles => Vms.SelectMany(v => v.Files).Append(new SeededFile(UnownedBlob, FileKind.Blob, 777));

    /// <summary>The argument list that points the daemon at the node file.</summary>
    public string[] LibvirtArgs => ["--libvirt-uri", Node.Uri];

    /// <summary>Writes the node file, starts the daemon with <paramref name="daemonArgs"/> and seeds the region.</summary>
    public static async Task<ReconcileScenario> StartAsync(Func<TestDriverNode, string[]> daemonArgs)
    {
        SeededVm[] vms =
        [
            new("alpha", Guid.NewGuid(), Defined: true, Marked: true,
                [new("/vms/alpha/ram", FileKind.GuestMemory, 4 * Clients.MiB), new("/vms/alpha/state", FileKind.DeviceState, 12_345)]),
            new("bravo", Guid.NewGuid(), Defined: true, Marked: false,
                [new("/vms/bravo/ram", FileKind.GuestMemory, 2 * Clients.MiB), new("/vms/bravo/state", FileKind.DeviceState, 100)]),
            new("charlie", Guid.NewGuid(), Defined: false, Marked: false,
                [new("/vms/charlie/ram", FileKind.GuestMemory, 6 * Clients.MiB), new("/vms/charlie/state", FileKind.DeviceState, 5000)]),
            new("delta", Guid.NewGuid(), Defined: false, Marked: false,
                [new("/vms/delta/dev/state", FileKind.DeviceState, 3000), new("/vms/delta/notes", FileKind.Blob, 10)]),
            new("echo", Guid.NewGuid(), Defined: true, Marked: true, []),
            new("foxtrot", Guid.NewGuid(), Defined: true, Marked: true, [new("/vms/foxtrot/state", FileKind.DeviceState, 4096)]),
            new("golf", Guid.NewGuid(), Defined: true, Marked: false, []),
        ];
        var node = TestDriverNode.Create(vms.Where(v => v.Defined).Select(v => new TestDomain(
            v.Name, v.Uuid, v.Name == "bravo" ? DomainRunState.Shutoff : null, Metadata: v.Marked ? TestDomain.PersistentMark : null)));
        var daemon = DaemonProcess.Create();
        var scenario = new ReconcileScenario(daemon, node, vms);
        try
        {
            await daemon.StartAsync(daemonArgs(node));
            await scenario.SeedAsync();
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A planned update as the host would run it: Freeze (no VMM registered, so it seals at once) → FROZEN; the daemon
    /// stops (SIGTERM) or dies (SIGKILL); the "kexec" gives a new boot id; the daemon starts with <paramref name="args"/>
    /// and reconciles by itself. Returns the old and new boot ids and the status once the reconcile has ended.
    /// </summary>
    public async Task<(Guid OldBoot, Guid NewBoot, LifecycleStatus Status, DateTimeOffset RestartedAt)> PlannedUpdateAsync(bool kill, params string[] args)
    {
        var frozen = await Client.FreezeAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FreezePhase.Frozen, frozen.Phase);
        Assert.False(frozen.Forced);
        Assert.Equal(LifecycleState.Frozen, (await Client.GetStatusAsync()).State);

        if (kill)
        {
            await Daemon.KillAsync();
        }
        else
        {
            Assert.Equal(0, await Daemon.StopAsync());
        }

        var oldBoot = Guid.Parse(File.ReadAllText(Daemon.BootIdPath).Trim());
        var newBoot = Guid.NewGuid();
        File.WriteAllText(Daemon.BootIdPath, newBoot.ToString("D") + "\n");
        var restartedAt = DateTimeOffset.UtcNow;
        await Daemon.StartAsync(args);
        var status = await WaitForReconcileAsync();
        return (oldBoot, newBoot, status, restartedAt);
    }

    /// <summary>
    /// Waits until the reconcile at start has ended: a Files call answers UNAVAILABLE while it runs, and the client
    /// retries it. Then a client that never retries must be served at once: UNAVAILABLE belongs to the reconcile alone.
    /// </summary>
    public async Task<LifecycleStatus> WaitForReconcileAsync()
    {
        await Client.ListAsync("/");
        await using (var once = Clients.For(Daemon, maxAttempts: 1))
        {
            await once.ListAsync("/");
            await once.StatAsync(UnownedBlob);
            Assert.NotNull(await once.ReclaimAsync(this["alpha"].Uuid));
        }

        var status = await Client.GetStatusAsync();
        Assert.NotNull(status.LastReconcile);
        return status;
    }

    /// <summary>Every path under <paramref name="directory"/>, recursively, each with its Stat.</summary>
    public async Task<Dictionary<string, Protocol.V1.FileInfo>> WalkAsync(string directory = "/")
    {
        var found = new Dictionary<string, Protocol.V1.FileInfo>(StringComparer.Ordinal);
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var next))
        {
            foreach (var entry in await Client.ListAsync(next))
            {
                found.Add(entry.Path, entry);
                if (entry.Kind == FileKind.Directory)
                {
                    pending.Push(entry.Path);
                }
            }
        }

        return found;
    }

    /// <summary>True when <paramref name="path"/> exists (Stat answers), false on NOT_FOUND.</summary>
    public async Task<bool> ExistsAsync(string path)
    {
        try
        {
            await Client.StatAsync(path);
            return true;
        }
        catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.NotFound)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
        Node.Dispose();
    }

    private async Task SeedAsync()
    {
        var directories = AllFiles.SelectMany(f => Ancestors(f.Path)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            await Client.MakeDirectoryAsync(directory);
        }

        foreach (var vm in Vms)
        {
            foreach (var file in vm.Files)
            {
                var created = await Client.CreateFileAsync(file.Path, file.Size, file.Kind, vm.Uuid);
                Assert.Equal(vm.Uuid.ToString("D"), created.VmUuid);
            }
        }

        await Client.CreateFileAsync(UnownedBlob, 777, FileKind.Blob);
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }
}
