using System.Text;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Internal;

/// <summary>
/// Validation of names and paths: the rules every caller's input meets before anything changes. A new name (create, make
/// directory, rename's destination) must also be free of control characters (C0, DEL, C1: docs/design.md §13), which
/// would otherwise reach terminals and line-based listings; names stored before that rule still decode and can be
/// looked up, so an older region is not corrupt and its odd names can be renamed or removed.
/// </summary>
internal static class NameRules
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws <see cref="RegionError.InvalidArgument"/> unless <paramref name="name"/> is a valid file name.</summary>
    public static void ValidateName(string name)
    {
        if (name.Length == 0)
        {
            throw RegionException.Invalid("a name must not be empty");
        }

        if (name is "." or "..")
        {
            throw RegionException.Invalid($"'{name}' is not allowed as a name");
        }

        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw RegionException.Invalid($"a name must not contain '/': '{name}'");
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw RegionException.Invalid("a name must not contain a NUL character");
        }

        int bytes;
        try
        {
            bytes = s_strictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            throw RegionException.Invalid("a name must be valid Unicode (it is stored as UTF-8)");
        }

        if (bytes > RegionLayout.MaxNameBytes)
        {
            throw RegionException.Invalid($"a name must be at most {RegionLayout.MaxNameBytes} UTF-8 bytes, this one is {bytes}");
        }
    }

    /// <summary>Throws <see cref="RegionError.InvalidArgument"/> unless <paramref name="name"/> is a valid name for a new entry.</summary>
    public static void ValidateNewName(string name)
    {
        ValidateName(name);
        var index = name.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
        if (index < 0)
        {
            index = name.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
        }

        if (index >= 0)
        {
            throw RegionException.Invalid(
                $"a name must not contain control characters: U+{(int)name[index]:X4} at character {index} of the new name");
        }
    }

    /// <summary>
    /// Splits an absolute path whose last component is a new name (<see cref="ValidateNewName"/>), unless it is
    /// <paramref name="keptName"/>: a rename that keeps an entry's stored name (a move, e.g. into quarantine) stays possible.
    /// </summary>
    public static string[] SplitNewPath(string? path, string? keptName = null)
    {
        var parts = SplitPath(path);
        if (parts.Length > 0 && !string.Equals(parts[^1], keptName, StringComparison.Ordinal))
        {
            ValidateNewName(parts[^1]);
        }

        return parts;
    }

    /// <summary>Splits an absolute path into validated components ("/" gives none); stored names of older regions pass.</summary>
    public static string[] SplitPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw RegionException.Invalid("a path must not be empty");
        }

        if (path[0] != '/')
        {
            throw RegionException.Invalid($"a path must be absolute (start with '/'): '{path}'");
        }

        if (path.Length > RegionLayout.MaxPathBytes)
        {
            throw RegionException.Invalid($"a path must be at most {RegionLayout.MaxPathBytes} bytes");
        }

        if (path == "/")
        {
            return [];
        }

        var parts = path[1..].Split('/');
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                throw RegionException.Invalid($"a path must not contain empty components or end with '/': '{path}'");
            }

            ValidateName(part);
        }

        return parts;
    }

    /// <summary>Decodes a stored name, or null when the bytes are not a valid name.</summary>
    public static string? Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var name = s_strictUtf8.GetString(utf8);
            ValidateName(name);
            return name;
        }
        catch (Exception ex) when (ex is DecoderFallbackException or RegionException)
        {
            return null;
        }
    }

    /// <summary>Encodes a validated name.</summary>
    public static int Encode(string name, Span<byte> destination) => s_strictUtf8.GetBytes(name, destination);
}
