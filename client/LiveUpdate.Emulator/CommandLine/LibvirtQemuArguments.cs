using LiveUpdate.Qemu;
using LiveUpdate.Qemu.CommandLine;

namespace LiveUpdate.Emulator.CommandLine;

/// <summary>
/// What the emulator needs from the QEMU arguments libvirt gives: the domain's UUID (<c>-uuid</c>; none when libvirt
/// probes capabilities), whether this start is a restore (<c>-incoming</c>), the RAM backends, and the QMP monitor's
/// chardev (libvirt's listening socket, passed as a descriptor).
/// </summary>
internal sealed class LibvirtQemuArguments
{
    private LibvirtQemuArguments(IReadOnlyList<string> arguments, Guid? uuid, bool incoming, IReadOnlyList<RamBackend> ramBackends, MonitorChardev? monitor)
    {
        Arguments = arguments;
        Uuid = uuid;
        Incoming = incoming;
        RamBackends = ramBackends;
        Monitor = monitor;
    }

    /// <summary>QEMU's arguments as libvirt gave them (without argv[0]).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The domain's UUID, or null when there is no -uuid (capability probing, or QEMU run by hand).</summary>
    public Guid? Uuid { get; }

    /// <summary>Whether QEMU is to load an incoming migration: libvirt restoring a (managed) save, or a migration's destination.</summary>
    public bool Incoming { get; }

    /// <summary>The RAM backends libvirt generated, in argument order.</summary>
    public IReadOnlyList<RamBackend> RamBackends { get; }

    /// <summary>The QMP monitor's chardev, or null when none is a socket libvirt passed as a descriptor.</summary>
    public MonitorChardev? Monitor { get; }

    /// <summary>Reads <paramref name="arguments"/>. Throws <see cref="UsageException"/> for arguments QEMU would not take either.</summary>
    public static LibvirtQemuArguments Parse(IReadOnlyList<string> arguments)
    {
        Guid? uuid = null;
        bool incoming = false;
        var backends = new List<RamBackend>();
        string? monitorId = null;
        var chardevs = new List<QemuOptionSyntax.QemuOption>();
        foreach (var option in QemuOptionSyntax.Options(arguments))
        {
            switch (option.Name)
            {
                case "uuid":
                    uuid = Guid.TryParseExact(option.Value, "D", out var parsed) ? parsed : throw new UsageException($"-uuid '{option.Value}' is not a UUID");
                    break;
                case "incoming":
                    incoming = true;
                    break;
                case "object" when option.Value is not null && IsSeparate(arguments, option):
                    if (RamBackend.TryParse(option.Value, option.Index + 1) is { } backend)
                    {
                        backends.Add(backend);
                    }

                    break;
                case "mon" when option.Value is not null:
                    var mon = QemuOptionSyntax.KeyValues(option.Value, "chardev");
                    if (mon.Any(p => p.Key == "mode" && p.Value == "control"))
                    {
                        monitorId = mon.FirstOrDefault(p => p.Key == "chardev").Value;
                    }

                    break;
                case "chardev" when option.Value is not null && IsSeparate(arguments, option):
                    chardevs.Add(option);
                    break;
            }
        }

        MonitorChardev? monitor = null;
        if (monitorId is not null)
        {
            monitor = chardevs.Select(c => MonitorChardev.TryParse(c.Value!, c.Index + 1, monitorId)).FirstOrDefault(m => m is not null);
        }

        return new LibvirtQemuArguments(arguments, uuid, incoming, backends, monitor);
    }

    /// <summary>Whether the option's value is the next argument (QEMU refuses <c>-opt=value</c> anyway: nothing to rewrite there).</summary>
    private static bool IsSeparate(IReadOnlyList<string> arguments, QemuOptionSyntax.QemuOption option) =>
        !arguments[option.Index].Contains('=', StringComparison.Ordinal);
}
