namespace LiveUpdate.Region;

/// <summary>The one exception the engine throws for expected failures; <see cref="Error"/> says which.</summary>
public sealed class RegionException : Exception
{
    /// <summary>Creates an exception with its error kind and message.</summary>
    public RegionException(RegionError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>The kind of failure.</summary>
    public RegionError Error { get; }

    internal static RegionException Invalid(string message) => new(RegionError.InvalidArgument, message);

    internal static RegionException NotFound(string path) => new(RegionError.NotFound, $"'{path}' does not exist");

    internal static RegionException Corrupt(string structure, long offset, string what) =>
        new(RegionError.Corrupt, $"corrupt {structure} at region offset 0x{offset:x}: {what}");
}
