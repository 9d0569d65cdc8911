using System.Buffers;
using System.Text;
using LiveUpdate.Region.Devices;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Configuration;

/// <summary>Checks <see cref="DaemonOptions"/> at start: a bad value stops the daemon with exit code 2 and one line naming it.</summary>
internal sealed class DaemonOptionsValidator : IValidateOptions<DaemonOptions>
{
    private static readonly SearchValues<char> s_schemeCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, DaemonOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.Region))
        {
            failures.Add("--region: a path is needed");
        }

        if (options.RegionSize <= 0 || options.RegionSize % RegionDevice.RequiredAlignment != 0)
        {
            failures.Add($"--region-size: {options.RegionSize} bytes is not a positive multiple of 2 MiB");
        }

        if (options.MaxContentsSize <= 0)
        {
            failures.Add($"--max-contents-size: {options.MaxContentsSize} bytes is not a positive size");
        }

        if (options.PhysicalBase % (ulong)RegionDevice.RequiredAlignment != 0)
        {
            failures.Add($"--phys-base: 0x{options.PhysicalBase:x} is not 2 MiB aligned");
        }

        if (string.IsNullOrEmpty(options.SocketDirectory) || !Path.IsPathRooted(options.SocketDirectory))
        {
            failures.Add($"--socket-dir: '{options.SocketDirectory}' is not an absolute directory path");
        }
        else if (Encoding.UTF8.GetByteCount(options.FdSocketPath) > Interop.Libc.MaxUnixSocketPathBytes
            || Encoding.UTF8.GetByteCount(options.GrpcSocketPath) > Interop.Libc.MaxUnixSocketPathBytes)
        {
            failures.Add($"--socket-dir: '{options.SocketDirectory}' is too long: a Unix socket path holds at most {Interop.Libc.MaxUnixSocketPathBytes} bytes");
        }

        if (string.IsNullOrEmpty(options.BootIdFile) || !File.Exists(options.BootIdFile))
        {
            failures.Add($"--boot-id-file: '{options.BootIdFile}' does not exist");
        }

        if (options.AdminGroup is { } group && Interop.Libc.GetGroup(group) is null)
        {
            failures.Add($"--admin-group: there is no group '{group}'");
        }

        if (options.MetricsPort is < 0 or > 65535)
        {
            failures.Add($"--metrics-port: {options.MetricsPort} is not a port (1-65535, or 0 for off)");
        }

        if (options.LibvirtUri is { } uri && !IsLibvirtUri(uri))
        {
            failures.Add($"--libvirt-uri: '{uri}' is not a libvirt URI (driver[+transport]://[host]/path, e.g. qemu:///system)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The connection is not opened here (libvirtd may start after the daemon): only the form is checked, a scheme of
    // letters, digits, '+', '-', '.' then "://" (libvirt's URI aliases from libvirt.conf are not accepted), nothing blank.
    private static bool IsLibvirtUri(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0
            && char.IsAsciiLetter(uri[0])
            && uri.AsSpan(0, scheme).IndexOfAnyExcept(s_schemeCharacters) < 0
            && !uri.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
    }
}
