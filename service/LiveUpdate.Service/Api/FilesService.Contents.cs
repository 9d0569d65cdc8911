using System.Buffers;
using System.IO.Hashing;
using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Observability;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>
/// WriteContents and ReadContents: the contents of DEVICE_STATE and BLOB files streamed through the daemon, so a VMM
/// saves and loads its device state without a descriptor. A write streams into a <see cref="ContentsReplacement"/>
/// outside the mutation lock (a slow writer holds up no freeze) and takes the lock only to check the gate again and
/// commit; anything short of a complete, checksummed stream abandons it and changes nothing.
/// </summary>
internal sealed partial class FilesService
{
    /// <summary>The largest data field of one message (files.proto).</summary>
    private const int MaxChunkBytes = 1 << 20;

    /// <inheritdoc/>
    public override async Task<Proto.FileInfo> WriteContents(IAsyncStreamReader<Proto.WriteContentsRequest> requestStream, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw Invalid("the stream carried no message (the first names the file); nothing was changed");
        }

        var message = requestStream.Current;
        var path = RequestValidation.Path(message.Path, "path");
        var region = Attached();
        const string action = "write the contents of";
        ContentsReplacement replacement;
        RegionFileInfo before;
        lock (regionHost.Mutations)
        {
            before = region.Stat(path);
            DemandContentsKind(before, action);
            DemandOwnership(caller, before, action);
            gate.DemandMutable(caller, action, before.Path, DeviceStateVm(before));
            replacement = region.BeginContentsReplacement(path);
        }

        using (replacement)
        {
            var limit = options.Value.MaxContentsSize;
            var hash = new XxHash64();
            while (true)
            {
                if (message.Path.Length > 0 && message.Path != path)
                {
                    throw Invalid($"a later message names '{message.Path}', not '{path}'; nothing was changed");
                }

                var data = message.Data.Span;
                if (data.Length > MaxChunkBytes)
                {
                    throw Invalid($"a message carries {data.Length} bytes; at most {MaxChunkBytes} per message; nothing was changed");
                }

                if (replacement.Length + data.Length > limit)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"the contents of '{path}' pass {limit} bytes, the most this daemon accepts (--max-contents-size); nothing was changed"));
                }

                quotas.DemandContents(before, replacement.Length + data.Length);
                hash.Append(data);
                replacement.Append(data);
                if (message.Last)
                {
                    break;
                }

                if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    throw Invalid($"the stream ended after {replacement.Length} bytes without a message with last set; nothing was changed");
                }

                message = requestStream.Current;
            }

            var checksum = hash.GetCurrentHashAsUInt64();
            if (checksum != message.Checksum)
            {
                throw new RpcException(new Status(StatusCode.DataLoss,
                    $"the {replacement.Length} bytes received for '{path}' have XxHash64 {checksum:x16}, the stream says {message.Checksum:x16}; nothing was changed"));
            }

            RegionFileInfo file;
            lock (regionHost.Mutations)
            {
                // The state may have moved on while the bytes arrived (a freeze began, or this VMM acked).
                gate.DemandMutable(caller, action, before.Path, DeviceStateVm(before));
                file = quotas.ReplaceContents(region, path, replacement.Length, replacement.Commit);
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                var detail = $"{before.Size} -> {file.Size} bytes in {file.Extents.Count} extents, XxHash64 {checksum:x16}";
                FilesLog.Changed(logger, "wrote the contents of", file.Path, caller.Uid, caller.Pid, detail);
            }

            return ProtoMapping.ToProto(file);
        }
    }

    /// <inheritdoc/>
    public override async Task ReadContents(Proto.ReadContentsRequest request, IServerStreamWriter<Proto.ContentsChunk> responseStream, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var region = Attached();
        const string action = "read the contents of";
        DemandContentsKind(region.Stat(path), action);
        var reader = region.OpenContentsReader(path);
        DemandOwnership(caller, reader.File, action);

        var hash = new XxHash64();
        var buffer = ArrayPool<byte>.Shared.Rent(MaxChunkBytes);
        try
        {
            long offset = 0;
            while (true)
            {
                var count = reader.Read(offset, buffer.AsSpan(0, MaxChunkBytes));
                hash.Append(buffer.AsSpan(0, count));
                offset += count;
                var chunk = new Proto.ContentsChunk { Data = ByteString.CopyFrom(buffer, 0, count) };
                if (offset == reader.Size)
                {
                    chunk.Last = true;
                    chunk.Checksum = hash.GetCurrentHashAsUInt64();
                    chunk.SizeBytes = (ulong)offset;
                    await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
                    return;
                }

                await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The VM whose registered VMM may still write <paramref name="file"/> while FREEZING: a DEVICE_STATE file's VM.</summary>
    private static Guid? DeviceStateVm(RegionFileInfo file) => file.Kind == FileKind.DeviceState ? file.VmUuid : null;

    private static void DemandContentsKind(RegionFileInfo file, string action)
    {
        if (file.Kind is not (FileKind.DeviceState or FileKind.Blob))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"cannot {action} '{file.Path}': it is {file.Kind}; only DEVICE_STATE and BLOB files have streamed contents"));
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
