using System.Globalization;
using System.Xml.Linq;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// One libvirt domain of the vm suite, defined on <c>qemu:///system</c> (TCG): a tickguest booted with
/// <c>&lt;os&gt;&lt;kernel&gt;</c>, 1 vCPU, COM1 appended to a file, nothing else (no USB, no balloon). A
/// <see cref="DomainKind.Persistent"/> domain carries the <c>&lt;lu:persistent/&gt;</c> mark and the liveupdate-emulator
/// shim as its <c>&lt;emulator&gt;</c>; a <see cref="DomainKind.Plain"/> one runs QEMU itself. Disposing destroys and
/// undefines it with its managed save.
/// </summary>
internal sealed class BenchDomain : IDisposable
{
    /// <summary>Every domain the suite defines is named so; a run killed outright leaves them for the next to remove.</summary>
    public const string NamePrefix = "bench-";

    /// <summary>The QEMU a plain domain runs, and the one the emulator execs for a persistent domain.</summary>
    public const string QemuPath = "/usr/bin/qemu-system-x86_64";

    private static readonly XNamespace s_mark = "urn:liveupdate:v1";

    private bool _defined;

    public BenchDomain(DomainKind kind, int index, ulong memoryBytes, string directory)
    {
        Kind = kind;
        Name = string.Create(CultureInfo.InvariantCulture, $"{NamePrefix}{(kind == DomainKind.Plain ? "plain" : "lu")}-{index}");
        MemoryBytes = memoryBytes;
        Serial = new SerialLog(Path.Combine(directory, Name + ".serial"));
        XmlPath = Path.Combine(directory, Name + ".xml");
        ImagePath = Path.Combine(SaveDirectory, Name + ".image");
    }

    public DomainKind Kind { get; }

    public string Name { get; }

    public Guid Uuid { get; } = Guid.NewGuid();

    public ulong MemoryBytes { get; }

    public SerialLog Serial { get; }

    /// <summary>
    /// The image of a plain <c>virsh save</c>: next to the managed saves (libvirt's directory for them, the default of
    /// qemu.conf), so both paths write to the same file system.
    /// </summary>
    public string ImagePath { get; }

    /// <summary>Where libvirt keeps a persistent domain's managed save.</summary>
    public string ManagedSavePath => Path.Combine(SaveDirectory, Name + ".save");

    private static string SaveDirectory => "/var/lib/libvirt/qemu/save";

    private string XmlPath { get; }

    /// <summary>Defines the domain; <paramref name="emulator"/> is the shim for a persistent domain (ignored for a plain one).</summary>
    public void Define(string kernelPath, string? emulator)
    {
        File.WriteAllText(XmlPath, Xml(kernelPath, Kind == DomainKind.Persistent ? emulator ?? throw new ArgumentNullException(nameof(emulator)) : QemuPath).ToString());
        _ = Virsh.Run("define", XmlPath);
        _defined = true;
    }

    public double Start() => Virsh.Run("start", Name).Milliseconds;

    /// <summary>
    /// The save being measured: <c>virsh save NAME FILE</c> (plain) or <c>virsh managedsave NAME</c> (persistent), both of
    /// which stop the domain; returns the command's wall time.
    /// </summary>
    public double Save() => Kind == DomainKind.Plain ? Virsh.Run("save", Name, ImagePath).Milliseconds : Virsh.Run("managedsave", Name).Milliseconds;

    /// <summary>
    /// The restore being measured: <c>virsh restore FILE</c> (plain, the image then deleted) or <c>virsh start NAME</c> from
    /// its managed save (persistent); returns the command's wall time (the domain is running when it returns).
    /// </summary>
    public double Restore()
    {
        if (Kind == DomainKind.Persistent)
        {
            return Start();
        }

        var ms = Virsh.Run("restore", ImagePath).Milliseconds;
        File.Delete(ImagePath);
        return ms;
    }

    /// <summary>The size of the image the last save wrote (call between save and restore).</summary>
    public long ImageBytes() => new FileInfo(Kind == DomainKind.Plain ? ImagePath : ManagedSavePath).Length;

    /// <summary>Ends a round: the domain destroyed (it stays defined) and a plain save's image removed.</summary>
    public void Stop()
    {
        Virsh.TryRun("destroy", Name);
        File.Delete(ImagePath);
    }

    /// <summary>The domain's state as <c>virsh domstate</c> prints it ("running", "shut off", …).</summary>
    public string State() => Virsh.Run("domstate", Name).Output.Trim();

    public void Dispose()
    {
        if (!_defined)
        {
            return;
        }

        _defined = false;
        Remove(Name);
        File.Delete(ImagePath);
    }

    /// <summary>Destroys and undefines a domain of this suite, its managed save included, whatever state it is in.</summary>
    public static void Remove(string name)
    {
        Virsh.TryRun("destroy", name);
        Virsh.TryRun("undefine", name, "--managed-save");
    }

    /// <summary>Removes the bench domains a run killed outright left behind.</summary>
    public static void RemoveAbandoned()
    {
        var names = Virsh.Run("list", "--all", "--name").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names.Where(n => n.StartsWith(NamePrefix, StringComparison.Ordinal)))
        {
            Remove(name);
        }
    }

    private XElement Xml(string kernelPath, string emulator)
    {
        var domain = new XElement("domain", new XAttribute("type", "qemu"),
            new XElement("name", Name),
            new XElement("uuid", Uuid.ToString()),
            new XElement("memory", new XAttribute("unit", "KiB"), MemoryBytes >> 10),
            new XElement("vcpu", 1),
            new XElement("os",
                new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", "q35"), "hvm"),
                new XElement("kernel", kernelPath)),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "destroy"),
            new XElement("on_crash", "destroy"),
            new XElement("devices",
                new XElement("emulator", emulator),
                new XElement("serial", new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", Serial.Path), new XAttribute("append", "on"))),
                new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "none")),
                new XElement("memballoon", new XAttribute("model", "none"))));
        if (Kind == DomainKind.Persistent)
        {
            domain.Add(new XElement("metadata", new XElement(s_mark + "persistent", new XAttribute(XNamespace.Xmlns + "lu", s_mark))));
        }

        return domain;
    }
}
