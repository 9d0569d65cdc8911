namespace LiveUpdate.Libvirt.Tests;

/// <summary>The tests that share one libvirtd of their own (<see cref="PrivateLibvirt"/>): run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class LibvirtCollection : ICollectionFixture<PrivateLibvirt>
{
    public const string Name = "libvirt";
}
