namespace LiveUpdate.Service.Limits;

/// <summary>
/// One uid's quota: bytes and inodes (0 = unlimited), and the setting each comes from, so a refusal names what to change
/// (<c>--quota-bytes</c>, or <c>LiveUpdate:Quotas:1000:Bytes</c> for an override).
/// </summary>
internal sealed record UidQuota(long Bytes, string BytesSetting, long Inodes, string InodesSetting)
{
    /// <summary>No limit (root, the daemon's uid, the admin group).</summary>
    public static UidQuota Unlimited { get; } = new(0, "none", 0, "none");
}
