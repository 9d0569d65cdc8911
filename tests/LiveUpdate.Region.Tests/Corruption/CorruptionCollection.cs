namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>The corruption tests share one built image and run one after another (each runs thousands of attaches).</summary>
[CollectionDefinition(Name)]
public sealed class CorruptionCollection : ICollectionFixture<CorruptionImage>
{
    public const string Name = "Corruption";
}
