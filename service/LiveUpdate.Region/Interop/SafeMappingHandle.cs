using System.Runtime.InteropServices;

namespace LiveUpdate.Region;

/// <summary>A MAP_SHARED mapping made by <see cref="Interop.Libc.Mmap"/>; releasing the handle munmaps it.</summary>
internal sealed class SafeMappingHandle : SafeHandle
{
    /// <summary>Wraps a mapping of <paramref name="length"/> bytes at <paramref name="address"/>, taking ownership.</summary>
    internal SafeMappingHandle(nint address, nuint length)
        : base(Interop.Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>Length of the mapping in bytes, as passed to mmap (munmap needs it back).</summary>
    public nuint Length { get; }

    /// <summary>Start of the mapping. Valid only while the handle is neither closed nor released.</summary>
    public unsafe byte* Pointer => (byte*)handle;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == Interop.Libc.MAP_FAILED || handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libc.Munmap(handle, Length) == 0;
}
