using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Libvirt;

/// <summary>
/// The managed-save record of each domain (<see cref="ManagedSaveRecord"/>) in the region, as <c>/vm/{uuid}/device-state</c>:
/// written right before a managed save, checked right before a start from one.
/// </summary>
internal sealed class ManagedSaveStore(LiveUpdateClient client, TimeProvider time)
{
    /// <summary>The record's path for <paramref name="vm"/>.</summary>
    public static string PathOf(Guid vm) => $"/vm/{vm:D}/device-state";

    /// <summary>The instance ids of the domain's guest-memory files (<c>memory</c>, <c>memory-nodeN</c>), and the uid that owns them.</summary>
    public async Task<(Dictionary<string, string> Memory, uint Owner)> ReadMemoryAsync(Guid vm, CancellationToken cancellationToken)
    {
        IReadOnlyList<FileInfo> files;
        try
        {
            files = await client.ListAsync($"/vm/{vm:D}", cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.NotFound)
        {
            files = [];
        }

        var memory = new Dictionary<string, string>(StringComparer.Ordinal);
        uint owner = 0;
        foreach (FileInfo file in files)
        {
            string name = file.Path[(file.Path.LastIndexOf('/') + 1)..];
            if (file.Kind == FileKind.GuestMemory && ManagedSaveRecord.IsMemoryFileName(name))
            {
                memory[name] = file.InstanceId;
                owner = file.OwnerUid;
            }
        }

        return (memory, owner);
    }

    /// <summary>Writes the record of a managed save about to be taken of <paramref name="vm"/>; throws when it has no guest-memory file.</summary>
    public async Task<string> WriteAsync(Guid vm, CancellationToken cancellationToken)
    {
        var (memory, owner) = await ReadMemoryAsync(vm, cancellationToken).ConfigureAwait(false);
        if (memory.Count == 0)
        {
            throw new InvalidOperationException($"/vm/{vm:D} holds no guest-memory file: its managed save would hold no RAM and there is none to keep");
        }

        string path = PathOf(vm);
        try
        {
            await client.CreateFileAsync(path, 0, FileKind.DeviceState, vm, ownerUid: owner, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
        {
        }

        var record = new ManagedSaveRecord(vm, memory, time.GetUtcNow().ToUnixTimeMilliseconds());
        using var contents = new MemoryStream(record.ToBytes(), writable: false);
        await client.WriteContentsAsync(path, contents, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>Null when the managed save of <paramref name="vm"/> may be loaded; otherwise why not (for the log and the daemon).</summary>
    public async Task<string?> CheckAsync(Guid vm, CancellationToken cancellationToken)
    {
        using var contents = new MemoryStream();
        try
        {
            await client.ReadContentsAsync(PathOf(vm), contents, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.NotFound)
        {
            return $"{PathOf(vm)} is missing: nothing says which memory the managed save was taken against";
        }

        ManagedSaveRecord record;
        try
        {
            record = ManagedSaveRecord.Parse(contents.GetBuffer().AsSpan(0, (int)contents.Length));
        }
        catch (FormatException e)
        {
            return $"{PathOf(vm)} is not a managed-save record: {e.Message}";
        }

        var (memory, _) = await ReadMemoryAsync(vm, cancellationToken).ConfigureAwait(false);
        return record.Mismatch(vm, memory);
    }
}
