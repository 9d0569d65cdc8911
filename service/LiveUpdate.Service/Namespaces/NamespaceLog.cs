namespace LiveUpdate.Service.Namespaces;

/// <summary>Log messages of the namespaces backend: every namespace made, owned or destroyed, and how long the kernel took.</summary>
internal static partial class NamespaceLog
{
    [LoggerMessage(EventId = 900, EventName = "NamespaceCreated", Level = LogLevel.Information,
        Message = "namespace {Name} created in {Region}: {Device}, {Size} bytes at physical 0x{PhysicalStart:x}, owner uid {Owner} 0600 (ndctl {CreateMs:F0} ms, zeroing {ZeroMs:F0} ms)")]
    public static partial void Created(ILogger logger, string name, string region, string device, long size, ulong physicalStart, uint owner, double createMs, double zeroMs);

    [LoggerMessage(EventId = 901, EventName = "NamespaceDestroyed", Level = LogLevel.Information,
        Message = "namespace {Name} ({Namespace}) scrubbed and destroyed in {Region} (zeroing {ZeroMs:F0} ms, ndctl {DestroyMs:F0} ms)")]
    public static partial void Destroyed(ILogger logger, string name, string @namespace, string region, double zeroMs, double destroyMs);

    [LoggerMessage(EventId = 902, EventName = "NamespaceFailed", Level = LogLevel.Error, Message = "namespace {Name} in {Region}: {Operation} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string name, string region, string operation, string reason);

    [LoggerMessage(EventId = 903, EventName = "OrphanNamespaceRemoved", Level = LogLevel.Warning,
        Message = "namespace {Name} in {Region} was named by no file (a crash between its creation or removal and the inode's commit): removed ({When})")]
    public static partial void OrphanRemoved(ILogger logger, string name, string region, string when);

    [LoggerMessage(EventId = 904, EventName = "MetadataNamespaceCreated", Level = LogLevel.Warning,
        Message = "created the metadata namespace {Name} in {Region}: {Size} bytes of namespace, device {Device} of {DeviceSize} bytes")]
    public static partial void MetadataCreated(ILogger logger, string name, string region, long size, string device, long deviceSize);

    [LoggerMessage(EventId = 905, EventName = "NamespaceOwnersApplied", Level = LogLevel.Information,
        Message = "{Count} guest-memory namespaces of {Region} resolved by name, their device nodes given to their files' owners (0600)")]
    public static partial void OwnersApplied(ILogger logger, int count, string region);
}
