using System.Globalization;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client;

/// <summary>
/// A file of the region opened through <see cref="LiveUpdateClient.OpenAsync"/>: the descriptor the daemon handed out
/// and the extent map that says where the file's bytes are in it. Disposing closes the descriptor; mappings made with
/// <see cref="Map"/> stay valid after that.
/// </summary>
/// <remarks>
/// The descriptor refers to the whole region device (<see cref="RegionPath"/>), not only to this file, as with
/// vhost-user memory tables: the file's bytes are at each extent's <see cref="FileExtent.RegionOffset"/>.
/// </remarks>
public sealed class OpenedFile : IDisposable
{
    private readonly FileExtent[] _extents;

    /// <summary>Takes ownership of <paramref name="handle"/>; <paramref name="extents"/> are checked (and sorted) first.</summary>
    internal OpenedFile(string path, SafeFileHandle handle, ulong size, FileExtent[] extents, string regionPath, Access access)
    {
        // Mapping trusts the map to tile [0, total) exactly: MAP_FIXED outside the reservation would clobber other mappings.
        try
        {
            ExtentMap.Validate(extents, size, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        Path = path;
        Handle = handle;
        Size = size;
        _extents = extents;
        RegionPath = regionPath;
        Access = access;
    }

    /// <summary>The file's path in the region.</summary>
    public string Path { get; }

    /// <summary>The received descriptor (close-on-exec, O_RDONLY or O_RDWR per <see cref="Access"/>); owned by this object.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The descriptor number, e.g. for a VMM's <c>mem-path=/proc/self/fd/N</c>.</summary>
    public int Descriptor => (int)Handle.DangerousGetHandle();

    /// <summary><c>/proc/self/fd/N</c> for <see cref="Descriptor"/>: what QEMU's memory-backend-file takes as mem-path.</summary>
    public string ProcPath => "/proc/self/fd/" + Descriptor.ToString(CultureInfo.InvariantCulture);

    /// <summary>The file's size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The file's extents in file order; together they cover at least <see cref="Size"/> bytes from offset 0.</summary>
    public IReadOnlyList<FileExtent> Extents => _extents;

    /// <summary>The region device or file the descriptor refers to.</summary>
    public string RegionPath { get; }

    /// <summary>How the descriptor was opened.</summary>
    public Access Access { get; }

    /// <summary>
    /// Maps the whole file at consecutive virtual addresses (each extent MAP_SHARED | MAP_FIXED into one reservation
    /// aligned to 2 MiB, 1 GiB for files of 1 GiB or more; on device DAX a small-granule file through the 2 MiB-aligned
    /// window of the region that holds it, as device DAX maps nothing smaller). With <paramref name="prefault"/> the page tables are
    /// populated up front (MADV_POPULATE_WRITE or _READ), which is far faster than faulting page by page.
    /// Throws <see cref="LiveUpdateException"/>: PermissionDenied for a writable mapping of a read-only descriptor
    /// (the kernel refuses it), MapFailed for other mmap failures.
    /// </summary>
    public MappedFile Map(bool writable, bool prefault = false)
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        ExtentView view = ExtentMapper.Map(Handle, _extents, writable, Path);
        var mapped = new MappedFile(view, (long)Size, writable, Path);
        if (prefault)
        {
            try
            {
                mapped.Prefault();
            }
            catch
            {
                mapped.Dispose();
                throw;
            }
        }

        return mapped;
    }

    /// <summary>Closes the descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}
