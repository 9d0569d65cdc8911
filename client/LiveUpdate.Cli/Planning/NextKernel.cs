namespace LiveUpdate.Cli.Planning;

/// <summary>The kernel a kexec boots next, as plan-kexec knows it: its release, and whether its build has the ramdax driver.</summary>
/// <param name="Release">Its release (<c>uname -r</c>), or null for the running kernel.</param>
/// <param name="Ramdax">
/// Whether it is built with <c>CONFIG_RAMDAX</c> (y or m): true or false as its config says; for the running kernel on the
/// namespaces backend true (its region is bound to ramdax); null when no config was found.
/// </param>
/// <param name="ConfigPath">The config that was read, or null.</param>
internal sealed record NextKernel(string? Release, bool? Ramdax, string? ConfigPath)
{
    /// <summary>The running kernel, which runs a namespaces region and so has ramdax.</summary>
    public static NextKernel Running { get; } = new(null, true, null);

    /// <summary>The kernel's name in the <c>kexec -l</c> line: its release, or <c>$(uname -r)</c> for the running one.</summary>
    public string ReleaseText => Release ?? "$(uname -r)";
}
