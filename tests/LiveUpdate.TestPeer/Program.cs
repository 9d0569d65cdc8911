using System.Globalization;
using Grpc.Core;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

// LiveUpdate.TestPeer: runs LiveUpdate.Client calls as whoever starts it (the tests start it as uid 65534 with setpriv)
// against the daemon in $LIVEUPDATE_SOCKET_DIR, and prints one line per command: "RESULT\tDETAIL", where RESULT is
// OK or the client's error kind (LiveUpdateError: PermissionDenied, NotFound, Unavailable, …, and
// HandoutFailed:PeerUidMismatch with the fd socket's status); the generated stub's calls ("token") print the status code. Calls are not retried, so an unreachable
// daemon answers at once. Exit code 0 when every command ran (whatever its result), 2 for a bad command line.
//
// commands (each one argument, words separated by spaces):
//   region                         GetRegion
//   stat PATH | list PATH          Stat, List
//   create PATH SIZE KIND [UID]    CreateFile (KIND: blob, guest, state), owner_uid UID when given ("-": none)
//   create PATH SIZE KIND UID VM   the same, tagged with VM (a UUID)
//   mkdir PATH                     MakeDirectory
//   resize PATH SIZE               Resize
//   rename PATH NEW                Rename
//   remove PATH                    Remove
//   open PATH ro|rw                Open and fetch the descriptor (the whole hand-out), then close it
//   map PATH ro|rw                 Open, fetch, map; rw writes a byte through the mapping; then unmap
//   token PATH ro|rw               Open only: DETAIL is "TOKENHEX FD_SOCKET_PATH" (the token is not redeemed)
//   write PATH SIZE                WriteContents of SIZE bytes (byte i is (i * 7 + 3) mod 256)
//   read PATH                      ReadContents: DETAIL is "bytes=N xxhash64=HEX"
//   dma-create ID [UID]            Dma.CreateDomain, 48-bit (owner_uid UID when given)
//   dma-attach ID PCI              Dma.AttachDevice
//   dma-detach PCI                 Dma.DetachDevice
//   dma-map ID IOVA PATH LENGTH    Dma.Map, read-write, from file offset 0 (numbers decimal or 0x hex)
//   dma-unmap ID IOVA LENGTH       Dma.Unmap
//   dma-destroy ID                 Dma.DestroyDomain
//   dma-domains                    Dma.ListDomains
//   dma-mappings ID                Dma.ListMappings
//   dma-translate ID IOVA          Dma.Translate from the domain
//   register VM NAME               RegisterVmm: DETAIL is the first event's kind; the stream is then dropped
//   reclaim VM                     Reclaim, then fetch and close each file's descriptor: DETAIL is "files=N"
//   usage [UID]                    GetUsage: DETAIL is "uid=U bytes=B inodes=I quota_bytes=Q quota_inodes=J tokens=T max_tokens=M" per uid, ';'-separated
//   tokens PATH N                  N Opens (read-only) left unredeemed: DETAIL is "issued=N", or "issued=K then CODE: MESSAGE"
//   hold-writes PATH N             N + 1 WriteContents streams opened and left open (the process holds them until it ends);
//                                  DETAIL is "held=N refused=CODE: MESSAGE" for the one the daemon ended, or "held=N+1"
//   connections N                  N + 1 clients, each on a connection of its own, call GetRegion and stay connected;
//                                  DETAIL is "held=N then RESULT: MESSAGE" for the last, or "held=N+1"
//   touch PATH | await PATH        create a file / wait (up to 60 s) until a file exists: how a test paces a peer
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: LiveUpdate.TestPeer COMMAND...  (socket directory from $LIVEUPDATE_SOCKET_DIR)");
    return 2;
}

var options = new LiveUpdateClientOptions
{
    MaxAttempts = 1,
    CallTimeout = TimeSpan.FromSeconds(20),
    RetryTimeout = TimeSpan.FromSeconds(30),
    HandoutTimeout = TimeSpan.FromSeconds(10),
};
await using var client = new LiveUpdateClient(options);
foreach (var command in args)
{
    var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    string line;
    try
    {
        line = "OK\t" + await RunAsync(client, options, words);
    }
    catch (LiveUpdateException ex)
    {
        var result = ex.HandoutStatus is { } status ? $"{ex.Error}:{status}" : ex.Error.ToString();
        line = $"{result}\t{ex.Message.ReplaceLineEndings(" ")}";
    }
    catch (RpcException ex)
    {
        line = $"{ex.StatusCode}\t{ex.Status.Detail.ReplaceLineEndings(" ")}"; // the generated stub's calls (token)
    }
    catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentException)
    {
        Console.Error.WriteLine($"bad command '{command}': {ex.Message}");
        return 2;
    }

    Console.WriteLine(line);
}

return 0;

static async Task<string> RunAsync(LiveUpdateClient client, LiveUpdateClientOptions options, string[] words)
{
    switch (words[0])
    {
        case "region":
            var region = await client.GetRegionAsync();
            return $"used={region.UsedBytes} free={region.FreeBytes}";
        case "stat":
            return Describe(await client.StatAsync(words[1]));
        case "list":
            return "entries=" + (await client.ListAsync(words[1])).Count.ToString(CultureInfo.InvariantCulture);
        case "create":
            uint? owner = words.Length > 4 && words[4] != "-" ? uint.Parse(words[4], CultureInfo.InvariantCulture) : null;
            Guid? vm = words.Length > 5 ? Guid.Parse(words[5], CultureInfo.InvariantCulture) : null;
            return Describe(await client.CreateFileAsync(words[1], ulong.Parse(words[2], CultureInfo.InvariantCulture), Kind(words[3]), vm, owner));
        case "mkdir":
            return Describe(await client.MakeDirectoryAsync(words[1]));
        case "resize":
            return Describe(await client.ResizeAsync(words[1], ulong.Parse(words[2], CultureInfo.InvariantCulture)));
        case "rename":
            return Describe(await client.RenameAsync(words[1], words[2]));
        case "remove":
            await client.RemoveAsync(words[1]);
            return "removed";
        case "open":
            using (var file = await client.OpenAsync(words[1], AccessOf(words[2])))
            {
                return $"access={file.Access} size={file.Size} extents={file.Extents.Count}";
            }

        case "map":
            var writable = AccessOf(words[2]) == Access.ReadWrite;
            using (var mapped = await client.MapAsync(words[1], writable))
            {
                if (writable)
                {
                    mapped.GetSpan(0, 1)[0] ^= 0xFF;
                    mapped.GetSpan(0, 1)[0] ^= 0xFF;
                }

                return $"mapped={mapped.MappedLength} first={mapped.GetReadOnlySpan(0, 1)[0]}";
            }

        case "token":
            var response = await client.FilesClient.OpenAsync(new OpenRequest { Path = words[1], Access = AccessOf(words[2]) });
            return $"{Convert.ToHexString(response.Token.Span)} {response.FdSocketPath}";
        case "write":
            var contents = new byte[int.Parse(words[2], CultureInfo.InvariantCulture)];
            for (var i = 0; i < contents.Length; i++)
            {
                contents[i] = (byte)((i * 7) + 3);
            }

            return Describe(await client.WriteContentsAsync(words[1], new MemoryStream(contents)));
        case "read":
            using (var destination = new MemoryStream())
            {
                var count = await client.ReadContentsAsync(words[1], destination);
                return $"bytes={count} xxhash64={System.IO.Hashing.XxHash64.HashToUInt64(destination.ToArray()):x16}";
            }

        case "dma-create":
            uint? domainOwner = words.Length > 2 ? uint.Parse(words[2], CultureInfo.InvariantCulture) : null;
            var created = await client.CreateDomainAsync(Number32(words[1]), 48, ownerUid: domainOwner);
            return $"domain={created.Id} owner={created.OwnerUid}";
        case "dma-attach":
            var attached = await client.AttachDeviceAsync(Number32(words[1]), words[2]);
            return $"domain={attached.Domain.Id} devices={attached.Domain.Devices.Count}";
        case "dma-detach":
            return $"domain={(await client.DetachDeviceAsync(words[1])).Domain.Id}";
        case "dma-map":
            var mapping = await client.MapDmaAsync(Number32(words[1]), Number(words[2]), words[3], 0, Number(words[4]));
            return $"iova=0x{mapping.Iova:x} length={mapping.Length}";
        case "dma-unmap":
            return $"unmapped={(await client.UnmapDmaAsync(Number32(words[1]), Number(words[2]), Number(words[3]))).Count}";
        case "dma-destroy":
            return $"destroyed={(await client.DestroyDomainAsync(Number32(words[1]))).Domain.Id}";
        case "dma-domains":
            var domains = await client.ListDomainsAsync();
            return $"domains={domains.Domains.Count} root=0x{domains.RootTablePhysicalAddress:x}";
        case "dma-mappings":
            return $"mappings={(await client.ListMappingsAsync(Number32(words[1]))).Count}";
        case "dma-translate":
            var translation = await client.TranslateAsync(Number32(words[1]), Number(words[2]));
            return $"physical=0x{translation.PhysicalAddress:x}";
        case "register":
            using (var session = await client.RegisterVmmAsync(Guid.Parse(words[1], CultureInfo.InvariantCulture), words[2]))
            {
                return "registered";
            }

        case "report-problem":
            await client.ReportVmmProblemAsync(Guid.Parse(words[1], CultureInfo.InvariantCulture), string.Join(' ', words.Skip(2)));
            return "reported";
        case "reclaim":
            var reclaimed = await client.ReclaimAsync(Guid.Parse(words[1], CultureInfo.InvariantCulture));
            foreach (var file in reclaimed.Files)
            {
                using var opened = await client.OpenReclaimedAsync(file);
            }

            return $"files={reclaimed.Files.Count}";
        case "usage":
            var usage = await client.GetUsageAsync(words.Length > 1 ? uint.Parse(words[1], CultureInfo.InvariantCulture) : null);
            return string.Join(';', usage.Uids.Select(u =>
                $"uid={u.Uid} bytes={u.Bytes} inodes={u.Inodes} quota_bytes={u.QuotaBytes} quota_inodes={u.QuotaInodes} tokens={u.OutstandingTokens} max_tokens={u.MaxTokens}"));
        case "tokens":
            var wanted = int.Parse(words[2], CultureInfo.InvariantCulture);
            for (var i = 0; i < wanted; i++)
            {
                try
                {
                    await client.FilesClient.OpenAsync(new OpenRequest { Path = words[1], Access = Access.ReadOnly });
                }
                catch (RpcException ex)
                {
                    return $"issued={i} then {ex.StatusCode}: {ex.Status.Detail}";
                }
            }

            return $"issued={wanted}";
        case "hold-writes":
            return await HeldStreams.OpenAsync(client, words[1], int.Parse(words[2], CultureInfo.InvariantCulture));
        case "connections":
            return await HeldConnections.OpenAsync(options, int.Parse(words[1], CultureInfo.InvariantCulture));
        case "touch":
            await File.WriteAllTextAsync(words[1], string.Empty);
            return "touched";
        case "await":
            for (var deadline = DateTime.UtcNow.AddSeconds(60); !File.Exists(words[1]); await Task.Delay(20))
            {
                if (DateTime.UtcNow > deadline)
                {
                    return "timed out";
                }
            }

            return "present";
        default:
            throw new FormatException($"unknown command '{words[0]}'");
    }
}

static ulong Number(string word) => word.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
    ? ulong.Parse(word.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
    : ulong.Parse(word, CultureInfo.InvariantCulture);

static uint Number32(string word) => checked((uint)Number(word));

static string Describe(LiveUpdate.Protocol.V1.FileInfo info) =>
    $"path={info.Path} owner={info.OwnerUid} size={info.SizeBytes} inode={info.Inode}";

static FileKind Kind(string word) => word switch
{
    "blob" => FileKind.Blob,
    "guest" => FileKind.GuestMemory,
    "state" => FileKind.DeviceState,
    _ => throw new FormatException($"unknown kind '{word}'"),
};

static Access AccessOf(string word) => word switch
{
    "ro" => Access.ReadOnly,
    "rw" => Access.ReadWrite,
    _ => throw new FormatException($"unknown access '{word}'"),
};

/// <summary>WriteContents streams the peer opens and keeps open until it exits (the daemon counts them as held).</summary>
internal static class HeldStreams
{
    private static readonly List<AsyncClientStreamingCall<WriteContentsRequest, LiveUpdate.Protocol.V1.FileInfo>> s_calls = [];

    /// <summary>Opens <paramref name="count"/> + 1 streams on <paramref name="path"/>; says which one the daemon ended, if any.</summary>
    public static async Task<string> OpenAsync(LiveUpdateClient client, string path, int count)
    {
        for (var i = 0; i <= count; i++)
        {
            var call = client.FilesClient.WriteContents();
            await call.RequestStream.WriteAsync(new WriteContentsRequest { Path = path });
            s_calls.Add(call);
        }

        // A refused stream ends at once; held ones never end by themselves. The delay is only a deadline.
        var ended = await Task.WhenAny(s_calls.Select(c => (Task)c.ResponseAsync).Append(Task.Delay(TimeSpan.FromSeconds(20))));
        var refused = s_calls.FirstOrDefault(c => c.ResponseAsync == ended);
        if (refused is null)
        {
            return $"held={s_calls.Count}";
        }

        s_calls.Remove(refused);
        var status = refused.GetStatus();
        return $"held={s_calls.Count} refused={status.StatusCode}: {status.Detail}";
    }
}

/// <summary>Clients the peer keeps connected until it exits (the daemon counts their connections as held).</summary>
internal static class HeldConnections
{
    private static readonly List<LiveUpdateClient> s_clients = [];

    /// <summary>Connects <paramref name="count"/> + 1 clients one after the other; says how the last one fared.</summary>
    public static async Task<string> OpenAsync(LiveUpdateClientOptions options, int count)
    {
        for (var i = 0; i <= count; i++)
        {
            var client = new LiveUpdateClient(options);
            s_clients.Add(client);
            try
            {
                await client.GetRegionAsync();
            }
            catch (LiveUpdateException ex)
            {
                return $"held={i} then {ex.Error}: {ex.Message.ReplaceLineEndings(" ")}";
            }
        }

        return $"held={s_clients.Count}";
    }
}
