using System.Buffers;
using System.IO.Hashing;
using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Client;

/// <summary>The contents of DEVICE_STATE and BLOB files, streamed through the daemon (no descriptor needed).</summary>
public sealed partial class LiveUpdateClient
{
    /// <summary>The largest data field of one message, in both directions (files.proto).</summary>
    public const int ContentsChunkBytes = 1 << 20;

    /// <summary>
    /// Replaces the contents of the DEVICE_STATE or BLOB file <paramref name="path"/> with what <paramref name="source"/>
    /// holds from its position to its end, atomically: a failure, a crash or a cancellation leaves the previous contents.
    /// The data is streamed in 1 MiB messages with its XxHash64, so memory stays bounded whatever the size. Returns the
    /// file as it is afterwards (same inode and instance id, the new size). Retried on UNAVAILABLE only when
    /// <paramref name="source"/> can seek (it is rewound for each attempt); no per-call deadline applies, the
    /// <paramref name="cancellationToken"/> bounds the call.
    /// </summary>
    public Task<FileInfo> WriteContentsAsync(string path, Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("the source stream is not readable", nameof(source));
        }

        string operation = $"WriteContents of {path}";
        if (!source.CanSeek)
        {
            return InvokeOnceAsync(operation, (client: this, path, source), static (s, ct) => s.client.WriteContentsOnceAsync(s.path, s.source, ct), cancellationToken);
        }

        long start = source.Position;
        return InvokeAsync(
            operation,
            (client: this, path, source, start),
            static (s, ct) =>
            {
                s.source.Position = s.start;
                return s.client.WriteContentsOnceAsync(s.path, s.source, ct);
            },
            cancellationToken);
    }

    /// <summary>
    /// Copies the contents of the DEVICE_STATE or BLOB file <paramref name="path"/> to <paramref name="destination"/> and
    /// returns the byte count. The XxHash64 and size the daemon sends last are checked: a mismatch throws
    /// <see cref="LiveUpdateException"/> with <see cref="LiveUpdateError.DataLoss"/> (the destination then holds what
    /// arrived). Retried on UNAVAILABLE only when <paramref name="destination"/> can seek (each attempt writes from the
    /// same position); no per-call deadline applies, the <paramref name="cancellationToken"/> bounds the call.
    /// </summary>
    public Task<long> ReadContentsAsync(string path, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("the destination stream is not writable", nameof(destination));
        }

        string operation = $"ReadContents of {path}";
        if (!destination.CanSeek)
        {
            return InvokeOnceAsync(
                operation, (client: this, path, destination), static (s, ct) => s.client.ReadContentsOnceAsync(s.path, s.destination, ct), cancellationToken);
        }

        long start = destination.Position;
        return InvokeAsync(
            operation,
            (client: this, path, destination, start),
            static (s, ct) =>
            {
                s.destination.Position = s.start;
                return s.client.ReadContentsOnceAsync(s.path, s.destination, ct);
            },
            cancellationToken);
    }

    /// <summary>
    /// Reports that the VMM of <paramref name="vmUuid"/> could not pause its VM or save its device state: the daemon
    /// aborts the freeze at once (back to ACTIVE, THAWED to every VMM) and names the VM and <paramref name="reason"/>
    /// (one line) in the freeze's final message.
    /// </summary>
    public Task<AckFreezeResponse> FailFreezeAsync(Guid vmUuid, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var request = new AckFreezeRequest { VmUuid = vmUuid.ToString(), Failure = reason };
        return InvokeAsync(
            $"AckFreeze (failure) of {vmUuid}",
            (client: this, request),
            static (s, ct) => s.client.LifecycleClient.AckFreezeAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>One attempt of <see cref="WriteContentsAsync"/>: the stream of messages, the last with the checksum.</summary>
    private async Task<FileInfo> WriteContentsOnceAsync(string path, Stream source, CancellationToken cancellationToken)
    {
        using var call = FilesClient.WriteContents(new CallOptions(cancellationToken: cancellationToken));
        var hash = new XxHash64();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ContentsChunkBytes);
        try
        {
            var message = new WriteContentsRequest { Path = path };
            while (true)
            {
                int filled = await FillAsync(source, buffer.AsMemory(0, ContentsChunkBytes), cancellationToken).ConfigureAwait(false);
                hash.Append(buffer.AsSpan(0, filled));
                message.Data = ByteString.CopyFrom(buffer, 0, filled);
                if (filled < ContentsChunkBytes)
                {
                    message.Last = true;
                    message.Checksum = hash.GetCurrentHashAsUInt64();
                    await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                    break;
                }

                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                message = new WriteContentsRequest();
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && TryStatus(call) is { StatusCode: not StatusCode.OK } status)
        {
            // The daemon ended the call early (it refused the file): a write then fails without the reason
            // (Grpc.Net.Client: "Can't write the message because the call is complete"). Report the daemon's status.
            throw new RpcException(status);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One attempt of <see cref="ReadContentsAsync"/>: copies the chunks, then checks size and checksum.</summary>
    private async Task<long> ReadContentsOnceAsync(string path, Stream destination, CancellationToken cancellationToken)
    {
        using var call = FilesClient.ReadContents(new ReadContentsRequest { Path = path }, new CallOptions(cancellationToken: cancellationToken));
        var hash = new XxHash64();
        long total = 0;
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            ContentsChunk chunk = call.ResponseStream.Current;
            ReadOnlyMemory<byte> data = chunk.Data.Memory;
            hash.Append(data.Span);
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            total += data.Length;
            if (!chunk.Last)
            {
                continue;
            }

            ulong checksum = hash.GetCurrentHashAsUInt64();
            if (chunk.SizeBytes != (ulong)total || chunk.Checksum != checksum)
            {
                throw new LiveUpdateException(
                    LiveUpdateError.DataLoss,
                    $"ReadContents of {path}: received {total} bytes with XxHash64 {checksum:x16}, the daemon sent {chunk.SizeBytes} bytes with {chunk.Checksum:x16}");
            }

            return total;
        }

        throw new LiveUpdateException(LiveUpdateError.ProtocolViolation, $"ReadContents of {path}: the stream ended without its last chunk after {total} bytes");
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the source ends; returns the bytes read.</summary>
    private static async ValueTask<int> FillAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await source.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>The call's status once it has one, else null.</summary>
    private static Status? TryStatus(AsyncClientStreamingCall<WriteContentsRequest, FileInfo> call)
    {
        try
        {
            return call.GetStatus();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Runs a call that cannot be repeated (its stream was consumed) once, with the same error translation as retried calls.</summary>
    private async Task<TResult> InvokeOnceAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> attempt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return await attempt(state, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw RpcErrors.Translate(exception, operation, GrpcSocketPath);
        }
    }
}
