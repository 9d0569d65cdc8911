namespace LiveUpdate.Service.Handout;

/// <summary>
/// A live process that received a descriptor of a guest-memory file on the descriptor socket: its pid and uid
/// (SO_PEERCRED of that connection), the file (path and inode at the hand-out) and the file's VM.
/// </summary>
internal sealed record DescriptorHolder(int Pid, uint Uid, string Path, long Inode, Guid VmUuid, DateTimeOffset Since)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"pid {Pid} (uid {Uid}) holds {Path} of {(VmUuid == Guid.Empty ? "no VM" : $"VM {VmUuid}")}";
}
