namespace LiveUpdate.Service.Lifecycle;

/// <summary>A UUID as reports and events spell it: lower-case, hyphenated, empty for <see cref="Guid.Empty"/>.</summary>
internal static class CanonicalUuid
{
    /// <summary>The canonical text of <paramref name="uuid"/>.</summary>
    public static string Format(Guid uuid) => uuid == Guid.Empty ? string.Empty : uuid.ToString("D");
}
