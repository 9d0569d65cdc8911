using System.Collections.Concurrent;
using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// What the load test's clients know about /load/shared, where they race: for each name, how many of their successful
/// calls brought a file there (CreateFile, Rename onto it) minus how many took one away (Remove, Rename from it). A name
/// only gains a file when it has none and only loses one when it has one, so each count must end 0 or 1: whether the
/// name exists.
/// </summary>
internal sealed class SharedLedger
{
    public const string Directory = "/load/shared";
    public const int Names = 8;

    private readonly ConcurrentDictionary<string, int> _net = new(StringComparer.Ordinal);

    public static string PathOf(int name) => Directory + "/s" + name.ToString(CultureInfo.InvariantCulture);

    public IReadOnlyDictionary<string, int> Net => _net;

    public void Arrived(string path) => _net.AddOrUpdate(path, 1, (_, n) => n + 1);

    public void Departed(string path) => _net.AddOrUpdate(path, -1, (_, n) => n - 1);
}

/// <summary>
/// One of the load test's clients: its own LiveUpdateClient (its own HTTP/2 connection), a seeded random mix of
/// create, stat, list, resize, rename, remove and open+map+write+unmap in its own directory (where it knows exactly what
/// must exist, down to the first bytes of each file), and create, remove, rename, stat and read-only maps in the shared
/// directory, where ALREADY_EXISTS and NOT_FOUND are the expected outcomes of races. Calls are not retried, so no outcome
/// is ambiguous. Any other failure ends the test.
/// </summary>
internal sealed class LoadClient(DaemonProcess daemon, int index, SharedLedger shared)
{
    private const int MaxOwnFiles = 6;
    private const int MaxGuestFiles = 2;

    private readonly Random _random = new(index * 7919);
    private readonly Dictionary<string, OwnFile> _files = new(StringComparer.Ordinal);

    public string OwnDirectory { get; } = "/load/c" + index.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>The files this client's directory must hold at the end.</summary>
    public IReadOnlyDictionary<string, OwnFile> Files => _files;

    public int Operations { get; private set; }

    /// <summary>Shared-directory calls that lost a race (ALREADY_EXISTS, NOT_FOUND) and so changed nothing.</summary>
    public int RacesLost { get; private set; }

    public async Task RunAsync(int iterations, CancellationToken cancellationToken)
    {
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions
        {
            SocketDirectory = daemon.SocketDirectory,
            MaxAttempts = 1,
            CallTimeout = TimeSpan.FromSeconds(60),
        });
        await client.MakeDirectoryAsync(OwnDirectory, cancellationToken: cancellationToken);
        for (var i = 0; i < iterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var roll = _random.Next(100);
            if (roll < 60)
            {
                await OwnOperationAsync(client, i, roll, cancellationToken);
            }
            else
            {
                await SharedOperationAsync(client, roll, cancellationToken);
            }

            Operations++;
        }
    }

    private async Task OwnOperationAsync(LiveUpdateClient client, int iteration, int roll, CancellationToken ct)
    {
        if (_files.Count == 0 || (roll < 14 && _files.Count < MaxOwnFiles))
        {
            var guest = _files.Values.Count(f => f.Kind == FileKind.GuestMemory) < MaxGuestFiles && _random.Next(4) == 0;
            var size = guest ? 2 * Clients.MiB : (ulong)_random.Next(1, 65_537);
            var path = $"{OwnDirectory}/f{iteration}";
            var created = await client.CreateFileAsync(path, size, guest ? FileKind.GuestMemory : FileKind.Blob, cancellationToken: ct);
            _files[path] = new OwnFile(created.Inode, size, created.Kind, new byte[Math.Min(8, (int)size)]);
            return;
        }

        var (name, file) = _files.ElementAt(_random.Next(_files.Count));
        switch (roll)
        {
            case < 22:
                var stat = await client.StatAsync(name, ct);
                Assert.True(stat.Inode == file.Inode && stat.SizeBytes == file.Size, $"{name}: expected {file}, got {stat}");
                break;
            case < 28:
                var listed = (await client.ListAsync(OwnDirectory, ct)).Select(e => e.Path);
                Assert.Equal(_files.Keys.Order(StringComparer.Ordinal), listed);
                break;
            case < 36:
                var newSize = file.Kind == FileKind.GuestMemory ? (ulong)_random.Next(1, 3) * 2 * Clients.MiB : (ulong)_random.Next(1, 65_537);
                var resized = await client.ResizeAsync(name, newSize, ct);
                Assert.Equal(file.Inode, resized.Inode);
                var head = new byte[Math.Min(8, (int)newSize)];
                file.Head.AsSpan(0, Math.Min(head.Length, file.Head.Length)).CopyTo(head); // kept below the old size, zeros above
                _files[name] = file with { Size = newSize, Head = head };
                break;
            case < 42:
                var newName = $"{OwnDirectory}/r{iteration}";
                var renamed = await client.RenameAsync(name, newName, ct);
                Assert.Equal(file.Inode, renamed.Inode);
                _files.Remove(name);
                _files[newName] = file;
                break;
            case < 48:
                await client.RemoveAsync(name, ct);
                _files.Remove(name);
                break;
            default:
                // Open, receive the descriptor, map, check what was written last time, write anew, unmap.
                using (var mapped = await client.MapAsync(name, writable: true, cancellationToken: ct))
                {
                    Assert.True(mapped.GetReadOnlySpan(0, file.Head.Length).SequenceEqual(file.Head), $"{name}: first bytes are not what this client wrote");
                    var next = new byte[file.Head.Length];
                    _random.NextBytes(next);
                    next.CopyTo(mapped.GetSpan(0, next.Length));
                    _files[name] = file with { Head = next };
                }

                break;
        }
    }

    private async Task SharedOperationAsync(LiveUpdateClient client, int roll, CancellationToken ct)
    {
        var path = SharedLedger.PathOf(_random.Next(SharedLedger.Names));
        try
        {
            switch (roll)
            {
                case < 72:
                    await client.CreateFileAsync(path, 4096, FileKind.Blob, cancellationToken: ct);
                    shared.Arrived(path);
                    break;
                case < 82:
                    await client.RemoveAsync(path, ct);
                    shared.Departed(path);
                    break;
                case < 90:
                    var target = SharedLedger.PathOf(_random.Next(SharedLedger.Names));
                    await client.RenameAsync(path, target, ct);
                    shared.Departed(path);
                    shared.Arrived(target);
                    break;
                case < 95:
                    await client.StatAsync(path, ct);
                    break;
                default:
                    // Read-only: another client may remove the file meanwhile, and its space may go to someone else.
                    using (var mapped = await client.MapAsync(path, writable: false, cancellationToken: ct))
                    {
                        _ = mapped.GetReadOnlySpan(0, 1)[0];
                    }

                    break;
            }
        }
        catch (LiveUpdateException ex) when (ex.Error is LiveUpdateError.AlreadyExists or LiveUpdateError.NotFound)
        {
            RacesLost++; // nothing happened
        }
    }
}

/// <summary>What a load client knows about one of its files: identity, size, kind and its first bytes (at most 8).</summary>
internal sealed record OwnFile(ulong Inode, ulong Size, FileKind Kind, byte[] Head);
