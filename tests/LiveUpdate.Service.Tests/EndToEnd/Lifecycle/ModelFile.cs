using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>What a mutating client knows one of its files to be.</summary>
internal sealed record ModelFile(ulong Inode, ulong Size, FileKind Kind);
