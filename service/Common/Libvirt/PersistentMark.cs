using System.Xml;

/// <summary>
/// The mark of a domain whose memory is kept across a live update (normative):
/// <c>&lt;metadata&gt;&lt;lu:persistent xmlns:lu="urn:liveupdate:v1"/&gt;&lt;/metadata&gt;</c>. Read by the daemon's
/// inventory and by liveupdate-libvirt, so both decide alike.
/// </summary>
internal static class PersistentMark
{
    /// <summary>The namespace of LiveUpdate's metadata in a domain's XML.</summary>
    public const string Namespace = "urn:liveupdate:v1";

    /// <summary>The element that marks a domain.</summary>
    public const string Element = "persistent";

    private static readonly XmlReaderSettings s_settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
    };

    /// <summary>True when the <paramref name="metadata"/> libvirt returned for <see cref="Namespace"/> is the mark; throws <see cref="XmlException"/> when it is not XML.</summary>
    /// <remarks>libvirt answers the element without its prefix (<c>&lt;persistent/&gt;</c>), so only the local name is compared.</remarks>
    public static bool IsMark(string? metadata)
    {
        if (metadata is null)
        {
            return false;
        }

        using var reader = XmlReader.Create(new StringReader(metadata), s_settings);
        return reader.MoveToContent() == XmlNodeType.Element && reader.LocalName == Element;
    }
}
