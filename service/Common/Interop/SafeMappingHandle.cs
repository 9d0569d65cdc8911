using System.Runtime.InteropServices;

/// <summary>
/// A mapping made by <see cref="Interop.Libc.Mmap"/>, or a range reserved by <see cref="Interop.Libc.ReserveAligned"/>
/// together with everything later mapped over it with MAP_FIXED; releasing the handle munmaps the whole range at once.
/// </summary>
internal sealed class SafeMappingHandle : SafeHandle
{
    /// <summary>Wraps the range of <paramref name="length"/> bytes at <paramref name="address"/>, taking ownership.</summary>
    internal SafeMappingHandle(nint address, nuint length)
        : base(Interop.Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>Length of the range in bytes, as passed to mmap (munmap needs it back).</summary>
    public nuint Length { get; }

    /// <summary>Start of the range. Valid only while the handle is neither closed nor released.</summary>
    public unsafe byte* Pointer => (byte*)handle;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == Interop.Libc.MAP_FAILED || handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libc.Munmap(handle, Length) == 0;
}
