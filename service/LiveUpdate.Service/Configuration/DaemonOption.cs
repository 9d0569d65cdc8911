namespace LiveUpdate.Service.Configuration;

/// <summary>One option: its normative name, the placeholder of its value (null for a flag) and its help line.</summary>
internal sealed record DaemonOption(string Name, string? Value, string Help)
{
    /// <summary>True for an option without a value (<c>--format</c>).</summary>
    public bool IsFlag => Value is null;

    /// <summary>The environment variable: <c>LIVEUPDATE_</c> and the name in upper case with '_' for '-'.</summary>
    public string EnvironmentVariable => "LIVEUPDATE_" + Name.ToUpperInvariant().Replace('-', '_');
}
