using System.Globalization;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// One mutation and, once it is done, the state it leaves: the text form is what the worker reports and the
/// test parses. Paths never contain spaces (the worker generates them).
/// <code>
/// mkdir /d3
/// create /d3/f17 kind=GuestMemory size=8388608
/// resize /d3/f17 size=4194304
/// rename /d3/f17 /f18
/// remove /f18
/// </code>
/// </summary>
public sealed record Operation(OperationKind Kind, string Path, string? NewPath = null, FileKind FileKind = default, long Size = 0)
{
    /// <summary>Makes a directory.</summary>
    public static Operation MakeDirectory(string path) => new(OperationKind.MakeDirectory, path, FileKind: FileKind.Directory);

    /// <summary>Creates a file.</summary>
    public static Operation Create(string path, FileKind kind, long size) => new(OperationKind.Create, path, FileKind: kind, Size: size);

    /// <summary>Resizes a file.</summary>
    public static Operation Resize(string path, long size) => new(OperationKind.Resize, path, Size: size);

    /// <summary>Renames a file or directory.</summary>
    public static Operation Rename(string path, string newPath) => new(OperationKind.Rename, path, newPath);

    /// <summary>Removes a file or an empty directory.</summary>
    public static Operation Remove(string path) => new(OperationKind.Remove, path);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        OperationKind.MakeDirectory => $"mkdir {Path}",
        OperationKind.Create => string.Create(CultureInfo.InvariantCulture, $"create {Path} kind={FileKind} size={Size}"),
        OperationKind.Resize => string.Create(CultureInfo.InvariantCulture, $"resize {Path} size={Size}"),
        OperationKind.Rename => $"rename {Path} {NewPath}",
        OperationKind.Remove => $"remove {Path}",
        _ => throw new InvalidOperationException($"unknown operation kind {Kind}"),
    };

    /// <summary>Parses the text <see cref="ToString"/> writes.</summary>
    public static Operation Parse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2)
        {
            throw new FormatException($"not an operation: '{text}'");
        }

        return (words[0], words.Length) switch
        {
            ("mkdir", 2) => MakeDirectory(words[1]),
            ("create", 4) => Create(words[1], Enum.Parse<FileKind>(Value(words[2], "kind")), long.Parse(Value(words[3], "size"), CultureInfo.InvariantCulture)),
            ("resize", 3) => Resize(words[1], long.Parse(Value(words[2], "size"), CultureInfo.InvariantCulture)),
            ("rename", 3) => Rename(words[1], words[2]),
            ("remove", 2) => Remove(words[1]),
            _ => throw new FormatException($"not an operation: '{text}'"),
        };

        string Value(string word, string key) =>
            word.StartsWith(key + "=", StringComparison.Ordinal) ? word[(key.Length + 1)..] : throw new FormatException($"expected {key}=… in '{text}'");
    }
}
