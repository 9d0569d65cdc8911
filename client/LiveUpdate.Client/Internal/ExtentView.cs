namespace LiveUpdate.Client.Internal;

/// <summary>
/// A file mapped at consecutive virtual addresses: <see cref="Mapping"/> (which unmaps everything when disposed) and
/// where the file's first byte is in it. <see cref="Start"/> is 0 unless the file was mapped through its enclosing
/// 2 MiB window (see <see cref="ExtentMapper"/>); <see cref="Length"/> is the bytes of all its extents.
/// </summary>
internal readonly record struct ExtentView(SafeMappingHandle Mapping, nuint Start, nuint Length);
