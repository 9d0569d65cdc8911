namespace LiveUpdate.Cli.Planning;

/// <summary>
/// Reads whether a kernel release is built with the ramdax driver, from its build configuration where Debian installs it:
/// <c>/boot/config-RELEASE</c>, else <c>/lib/modules/RELEASE/config</c> (the packages of Debian 13 ship it there).
/// </summary>
internal static class KernelConfig
{
    /// <summary>The config line that builds the driver, in or as a module.</summary>
    private static readonly string[] s_ramdaxLines = ["CONFIG_RAMDAX=y", "CONFIG_RAMDAX=m"];

    /// <summary>
    /// <paramref name="release"/> with what its config says about ramdax; <see cref="NextKernel.Ramdax"/> null when
    /// neither config is readable.
    /// </summary>
    /// <param name="release">The kernel release (<c>uname -r</c> of that kernel).</param>
    /// <param name="root">The file system root (<c>/</c>; a test's folder).</param>
    public static NextKernel Read(string release, string root = "/")
    {
        ArgumentException.ThrowIfNullOrEmpty(release);
        foreach (string candidate in new[] { Path.Combine(root, "boot", "config-" + release), Path.Combine(root, "lib", "modules", release, "config") })
        {
            try
            {
                bool ramdax = File.ReadLines(candidate).Any(line => s_ramdaxLines.Contains(line.Trim(), StringComparer.Ordinal));
                return new NextKernel(release, ramdax, candidate);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not there or not readable: try the next place.
            }
        }

        return new NextKernel(release, null, null);
    }
}
