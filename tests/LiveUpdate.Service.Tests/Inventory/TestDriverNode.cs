using System.Xml.Linq;
using LiveUpdate.Service.Inventory;

namespace LiveUpdate.Service.Tests.Inventory;

/// <summary>One domain of a <see cref="TestDriverNode"/>.</summary>
/// <param name="Name">The domain's name.</param>
/// <param name="Uuid">The domain's UUID.</param>
/// <param name="State">
/// The run state the test driver starts it in (its <c>&lt;test:runstate&gt;</c> extension); null for the driver's default, running.
/// </param>
/// <param name="Transient">Defined as transient (<c>&lt;test:transient/&gt;</c>); the driver's default is persistent.</param>
/// <param name="Metadata">The domain's <c>&lt;metadata&gt;</c> children, raw XML; null for none.</param>
internal sealed record TestDomain(string Name, Guid Uuid, DomainRunState? State = null, bool Transient = false, string? Metadata = null)
{
    /// <summary>The normative mark (docs/design.md §7).</summary>
    public const string PersistentMark = "<lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/>";
}

/// <summary>
/// A node file for libvirt's in-process test driver in a fresh temporary directory: <see cref="Uri"/> is
/// <c>test:///DIR/node.xml</c>. Each connection to it gets a private copy of the domains, parsed at open.
/// </summary>
internal sealed class TestDriverNode : IDisposable
{
    private static readonly XNamespace s_test = "http://libvirt.org/schemas/domain/test/1.0";

    private TestDriverNode(string directory)
    {
        Directory = directory;
    }

    /// <summary>The temporary directory.</summary>
    public string Directory { get; }

    /// <summary>The node file's path.</summary>
    public string Path => System.IO.Path.Combine(Directory, "node.xml");

    /// <summary>The libvirt URI of the node.</summary>
    public string Uri => "test://" + Path;

    /// <summary>Writes <paramref name="domains"/> into a new node file.</summary>
    public static TestDriverNode Create(IEnumerable<TestDomain> domains)
    {
        var node = new TestDriverNode(System.IO.Directory.CreateTempSubdirectory("liveupdate-libvirt-").FullName);
        var root = new XElement("node");
        foreach (var domain in domains)
        {
            var element = new XElement(
                "domain",
                new XAttribute("type", "test"),
                new XAttribute(XNamespace.Xmlns + "test", s_test),
                new XElement("name", domain.Name),
                new XElement("uuid", domain.Uuid.ToString()),
                new XElement("memory", 1024),
                new XElement("os", new XElement("type", "hvm")));
            if (domain.Metadata is { } metadata)
            {
                element.Add(XElement.Parse($"<metadata>{metadata}</metadata>"));
            }

            if (domain.State is { } state)
            {
                element.Add(new XElement(s_test + "runstate", (int)state));
            }

            if (domain.Transient)
            {
                element.Add(new XElement(s_test + "transient"));
            }

            root.Add(element);
        }

        root.Save(node.Path);
        return node;
    }

    /// <summary>Deletes the directory.</summary>
    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
