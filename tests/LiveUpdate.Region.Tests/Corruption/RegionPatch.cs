namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>Bytes to store at a region offset.</summary>
public sealed record RegionPatch(long Offset, byte[] Bytes)
{
    public long End => Offset + Bytes.Length;
}
