namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>An invariant the crash test checks was violated; the message says which and how.</summary>
internal sealed class CrashCheckException(string message) : Exception(message);
