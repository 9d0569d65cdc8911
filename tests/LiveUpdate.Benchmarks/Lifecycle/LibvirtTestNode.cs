using System.Globalization;
using System.Xml;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// A node file for libvirt's in-process test driver (<c>test:///ABS/PATH/node.xml</c>): one defined domain per VM of the
/// fleet, with the VM's UUID and name and the <c>&lt;lu:persistent/&gt;</c> mark, so the reconcile finds every VM
/// RESUMABLE. The driver parses the file when the daemon opens the connection (its first listing).
/// </summary>
internal static class LibvirtTestNode
{
    private const string MetadataNamespace = "urn:liveupdate:v1";

    /// <summary>Writes the node file for <paramref name="fleet"/> at <paramref name="path"/> and returns its URI.</summary>
    public static string Write(string path, VmFleet fleet)
    {
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true };
        using (var xml = XmlWriter.Create(path, settings))
        {
            xml.WriteStartElement("node");
            foreach (var vm in fleet.Vms)
            {
                xml.WriteStartElement("domain");
                xml.WriteAttributeString("type", "test");
                xml.WriteElementString("name", vm.Name);
                xml.WriteElementString("uuid", vm.Uuid.ToString());
                // KiB, as libvirt counts; the test driver never allocates it.
                xml.WriteElementString("memory", (fleet.GuestMemoryBytes >> 10).ToString(CultureInfo.InvariantCulture));
                xml.WriteStartElement("os");
                xml.WriteElementString("type", "hvm");
                xml.WriteEndElement();
                xml.WriteStartElement("metadata");
                xml.WriteStartElement("lu", "persistent", MetadataNamespace);
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        return "test://" + Path.GetFullPath(path);
    }
}
