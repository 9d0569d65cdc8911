namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>
/// A daemon whose inventory is libvirt's in-process test driver (<c>--libvirt-uri test:///DIR/node.xml</c>) with two
/// domains marked persistent (docs/design.md §7): <c>web-01</c> (<see cref="Web"/>) and <c>db-02</c> (<see cref="Db"/>).
/// </summary>
public sealed class LibvirtDaemonFixture : DaemonFixture
{
    public static readonly Guid Web = Guid.Parse("6f1e0c6a-8d2b-4c7e-9a51-0b7d3c2e1f01");
    public static readonly Guid Db = Guid.Parse("6f1e0c6a-8d2b-4c7e-9a51-0b7d3c2e1f02");

    private readonly string _nodeDirectory = Directory.CreateTempSubdirectory("luctl-libvirt-").FullName;

    private string NodePath => Path.Combine(_nodeDirectory, "node.xml");

    protected override string[] DaemonArguments => ["--libvirt-uri", "test://" + NodePath];

    public override Task InitializeAsync()
    {
        File.WriteAllText(NodePath, $"""
            <node>
              {Domain("web-01", Web)}
              {Domain("db-02", Db)}
            </node>
            """);
        return base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_nodeDirectory, recursive: true);
    }

    private static string Domain(string name, Guid uuid) => $"""
        <domain type="test">
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          <memory>1024</memory>
          <os><type>hvm</type></os>
          <metadata><lu:persistent xmlns:lu="urn:liveupdate:v1"/></metadata>
        </domain>
        """;
}
