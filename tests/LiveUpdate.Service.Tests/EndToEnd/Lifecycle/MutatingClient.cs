using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// One client of the freeze-under-load test: its own LiveUpdateClient (its own connection, no retries, so no outcome is
/// ambiguous) creating, resizing, renaming, removing and stat-ing files in a directory of its own, with a model of what
/// that directory must hold after every successful call. It stops at its first FAILED_PRECONDITION (the gate closed) and
/// records it; any other failure ends the test.
/// </summary>
internal sealed class MutatingClient(DaemonProcess daemon, int index, GateRecorder gate)
{
    public const string Root = "/freeze-load";
    private const int MaxFiles = 6;
    private const int WarmOperations = 10;

    private readonly Random _random = new((index * 7919) + 17);
    private readonly Dictionary<string, ModelFile> _files = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _attempt = string.Empty;

    public string Directory { get; } = Root + "/c" + index.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>The files its directory must hold.</summary>
    public IReadOnlyDictionary<string, ModelFile> Files => _files;

    /// <summary>Completes after its first <see cref="WarmOperations"/> successful mutations.</summary>
    public Task Warm => _warm.Task;

    public int Mutations { get; private set; }

    /// <summary>Mutations that succeeded although they started after Freeze had returned FROZEN (must stay 0).</summary>
    public int SucceededAfterFrozen { get; private set; }

    /// <summary>The refusal that stopped it, what it was refused, and whether Freeze had been called by then.</summary>
    public (LiveUpdateException Error, string Operation, bool FreezeCalled)? Refusal { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions
        {
            SocketDirectory = daemon.SocketDirectory,
            MaxAttempts = 1,
            CallTimeout = TimeSpan.FromSeconds(60),
        });
        await client.MakeDirectoryAsync(Directory, cancellationToken: cancellationToken);
        for (var i = 0; ; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frozenBefore = gate.Frozen;
            bool mutated;
            try
            {
                mutated = await MutateAsync(client, i, cancellationToken);
            }
            catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.FailedPrecondition)
            {
                Refusal = (ex, _attempt, gate.FreezeCalled);
                _warm.TrySetResult(); // a client refused before it warmed up must not hold the test
                return;
            }

            if (!mutated)
            {
                continue; // a Stat
            }

            Mutations++;
            if (frozenBefore)
            {
                SucceededAfterFrozen++;
            }

            if (Mutations == WarmOperations)
            {
                _warm.TrySetResult();
            }
        }
    }

    /// <summary>One random call (named in <see cref="_attempt"/>); false for a Stat. The model changes only after success.</summary>
    private async Task<bool> MutateAsync(LiveUpdateClient client, int iteration, CancellationToken ct)
    {
        var roll = _random.Next(100);
        if (_files.Count == 0 || (roll < 30 && _files.Count < MaxFiles))
        {
            var guest = _random.Next(4) == 0;
            var size = guest ? 2 * Clients.MiB : (ulong)_random.Next(1, 65_537);
            var path = $"{Directory}/f{iteration}";
            _attempt = "create " + path;
            var created = await client.CreateFileAsync(path, size, guest ? FileKind.GuestMemory : FileKind.Blob, cancellationToken: ct);
            _files[path] = new ModelFile(created.Inode, size, created.Kind);
            return true;
        }

        var (name, file) = _files.ElementAt(_random.Next(_files.Count));
        switch (roll)
        {
            case < 55:
                var newSize = file.Kind == FileKind.GuestMemory ? (ulong)_random.Next(1, 3) * 2 * Clients.MiB : (ulong)_random.Next(1, 65_537);
                _attempt = "resize " + name;
                var resized = await client.ResizeAsync(name, newSize, ct);
                Assert.Equal(file.Inode, resized.Inode);
                _files[name] = file with { Size = newSize };
                return true;
            case < 70:
                var newName = $"{Directory}/r{iteration}";
                _attempt = $"rename {name} to {newName}";
                await client.RenameAsync(name, newName, ct);
                _files.Remove(name);
                _files[newName] = file;
                return true;
            case < 85:
                _attempt = "remove " + name;
                await client.RemoveAsync(name, ct);
                _files.Remove(name);
                return true;
            default:
                _attempt = "stat " + name;
                var stat = await client.StatAsync(name, ct);
                Assert.True(stat.Inode == file.Inode && stat.SizeBytes == file.Size, $"{name}: expected {file}, got {stat}");
                return false;
        }
    }
}
