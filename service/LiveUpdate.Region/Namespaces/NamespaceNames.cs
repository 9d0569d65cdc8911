using System.Buffers;

namespace LiveUpdate.Region.Namespaces;

/// <summary>How namespaces are named on the namespaces backend, so each is matched to its file after any boot (docs/design.md §3).</summary>
public static class NamespaceNames
{
    private static readonly SearchValues<char> s_lowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The namespace holding the region's metadata and small files; created first, so it has the lowest address.</summary>
    public const string Metadata = "liveupdate-metadata";

    /// <summary>Prefix of every guest-memory file's namespace; the rest is the file's instance id.</summary>
    public const string FilePrefix = "lu-";

    /// <summary>The namespace of the file whose instance id is <paramref name="instanceId"/>: <c>lu-</c> + 32 lowercase hex digits.</summary>
    public static string ForFile(Guid instanceId) => FilePrefix + instanceId.ToString("N");

    /// <summary>True for a name <see cref="ForFile"/> makes (other namespaces in the region are not the engine's).</summary>
    public static bool IsFileNamespace(string name) =>
        name.Length == FilePrefix.Length + 32 && name.StartsWith(FilePrefix, StringComparison.Ordinal)
        && name.AsSpan(FilePrefix.Length).IndexOfAnyExcept(s_lowerHex) < 0;
}
