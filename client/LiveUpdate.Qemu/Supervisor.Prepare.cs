using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu.DeviceState;
using LiveUpdate.Qemu.Memory;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Qemu;

/// <summary>Before QEMU starts: the VM's files, and the saved device state if there is one. Every refusal here starts nothing.</summary>
internal sealed partial class Supervisor
{
    /// <summary>The memory file's instance when QEMU started: a save records it in the device state's header.</summary>
    private Guid _memoryInstance;

    /// <summary>The memory file's size (QEMU's -m), also in the header.</summary>
    private ulong _memoryBytes;

    /// <summary>
    /// Reclaims the VM's files (any time the host is not frozen: after an update it is the first call, otherwise it only
    /// lists them), creates what is missing, checks what is there, and reads a saved device state into the migration
    /// file, verified against the memory file it was saved with.
    /// </summary>
    private async Task<Prepared> PrepareAsync()
    {
        var started = Stopwatch.GetTimestamp();
        List<FileInfo> files;
        try
        {
            var reclaimed = await _client.ReclaimAsync(_options.Vm, _stopping.Token).ConfigureAwait(false);
            files = [.. reclaimed.Files.Select(f => f.File)];
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.NotFound)
        {
            files = [];
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.FailedPrecondition)
        {
            throw new RefusedException($"{_options.MemoryPath}: {e.ServerMessage ?? e.Message}");
        }

        var memory = files.FirstOrDefault(f => f.Path == _options.MemoryPath);
        var state = files.FirstOrDefault(f => f.Path == _options.DeviceStatePath);
        bool created = false;
        if (memory is null)
        {
            if (_options.MemoryBytes is not { } bytes)
            {
                throw new RefusedException($"{_options.MemoryPath} does not exist: give --memory SIZE to create it");
            }

            await MakeDirectoryAsync("/vm").ConfigureAwait(false);
            await MakeDirectoryAsync($"/vm/{_options.Vm:D}").ConfigureAwait(false);
            memory = await _client.CreateFileAsync(_options.MemoryPath, bytes, FileKind.GuestMemory, _options.Vm, cancellationToken: _stopping.Token)
                .ConfigureAwait(false);
            created = true;
            _log.Line($"created {_options.MemoryPath} ({bytes} bytes)");
        }
        else if (memory.Kind != FileKind.GuestMemory)
        {
            throw new RefusedException($"{_options.MemoryPath} is a {memory.Kind} file, not guest memory");
        }
        else if (_options.MemoryBytes is { } wanted && wanted != memory.SizeBytes)
        {
            throw new RefusedException(
                $"{_options.MemoryPath} holds {memory.SizeBytes} bytes but --memory asks for {wanted}: nothing is resized implicitly (leave out --memory to use the file as it is)");
        }

        GuestMemoryPlacement placement;
        try
        {
            placement = GuestMemoryPlacement.InRegion(await _client.GetRegionAsync(_stopping.Token).ConfigureAwait(false), memory);
        }
        catch (RefusedException) when (created)
        {
            // Bad input changes nothing: the file made for this start goes again.
            await _client.RemoveAsync(_options.MemoryPath, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        _memoryInstance = Guid.Parse(memory.InstanceId);
        _memoryBytes = memory.SizeBytes;
        DeviceStateHeader? saved = null;
        if (state is null)
        {
            await _client.CreateFileAsync(_options.DeviceStatePath, 0, FileKind.DeviceState, _options.Vm, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        else if (state.SizeBytes > 0)
        {
            saved = await ReadSavedStateAsync(memory).ConfigureAwait(false);
        }

        return new Prepared(placement, saved, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Copies the device state into the migration file and checks its header against <paramref name="memory"/>.</summary>
    private async Task<DeviceStateHeader> ReadSavedStateAsync(FileInfo memory)
    {
        string path = _options.DeviceStatePath;
        long total;
        byte[] first = new byte[DeviceStateHeader.Size];
        int got;
        await using (var file = new FileStream(_runtime!.MigrationPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            total = await _client.ReadContentsAsync(path, file, _stopping.Token).ConfigureAwait(false);
            file.Position = 0;
            got = await file.ReadAtLeastAsync(first, first.Length, throwOnEndOfStream: false, _stopping.Token).ConfigureAwait(false);
        }

        if (!DeviceStateHeader.TryDecode(first.AsSpan(0, got), total, out var header, out string? error))
        {
            throw new RefusedException($"device state {path} cannot be loaded: {error} (remove {path} to start the VM fresh)");
        }

        if (header.MemoryInstanceId != _memoryInstance)
        {
            throw new RefusedException(
                $"device state {path} was saved against another instance of {memory.Path} (removed and recreated since; remove {path} to start the VM fresh)");
        }

        if (header.MemoryBytes != memory.SizeBytes)
        {
            throw new RefusedException($"device state {path} was saved for {header.MemoryBytes} bytes of memory, but {memory.Path} holds {memory.SizeBytes}");
        }

        _log.Line($"found a saved device state ({total} bytes) for {memory.Path}");
        return header;
    }

    private async Task MakeDirectoryAsync(string path)
    {
        try
        {
            await _client.MakeDirectoryAsync(path, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
        {
        }
    }

    /// <summary>What QEMU starts on.</summary>
    /// <param name="Memory">Its RAM.</param>
    /// <param name="SavedState">The saved state to load (in the migration file), or null for a fresh start.</param>
    /// <param name="Reclaim">How long the reclaim and the checks took.</param>
    private sealed record Prepared(GuestMemoryPlacement Memory, DeviceStateHeader? SavedState, TimeSpan Reclaim);
}
