namespace LiveUpdate.Service.Configuration;

/// <summary>
/// One uid's quotas from configuration (<c>"LiveUpdate": { "Quotas": { "1000": { "Bytes": "4GiB", "Inodes": 5000 } } }</c>,
/// or <c>LIVEUPDATE_QUOTAS__1000__BYTES</c>); what it leaves null follows <c>--quota-bytes</c> and <c>--quota-inodes</c>.
/// </summary>
internal sealed record QuotaOverride(ByteQuota? Bytes, long? Inodes)
{
    /// <summary>The configuration section holding the overrides, under <see cref="DaemonOptions.SectionName"/>.</summary>
    public const string SectionName = "Quotas";

    /// <summary>The setting of a uid's byte quota.</summary>
    public const string BytesKey = "Bytes";

    /// <summary>The setting of a uid's inode quota.</summary>
    public const string InodesKey = "Inodes";
}
