namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>A fact that needs Debian's ndctl: reported skipped, with the reason, where it is not installed.</summary>
public sealed class NdctlFactAttribute : FactAttribute
{
    /// <summary>Where Debian's package ndctl installs it.</summary>
    public const string Ndctl = "/usr/bin/ndctl";

    public NdctlFactAttribute()
    {
        if (!File.Exists(Ndctl))
        {
            Skip = $"{Ndctl} is not installed (apt-get install ndctl)";
        }
    }
}
