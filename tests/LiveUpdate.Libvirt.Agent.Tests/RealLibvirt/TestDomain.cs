using System.Text.RegularExpressions;
using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Qemu.Tests.RealQemu;

namespace LiveUpdate.Libvirt.Agent.Tests.RealLibvirt;

/// <summary>
/// A TCG domain of the tickguest defined in the running libvirtd (name "agent-…"), run by the real QEMU (a plain
/// libvirt domain: its managed save holds its RAM, which is what these tests of the agent's decisions need), with its
/// serial console appended to a file. Disposing destroys and undefines it with its managed save.
/// </summary>
internal sealed partial class TestDomain : IAsyncDisposable
{
    private TestDomain(string name, Guid uuid, string directory)
    {
        Name = name;
        Uuid = uuid;
        Directory = directory;
    }

    public string Name { get; }

    public Guid Uuid { get; }

    public string Directory { get; }

    public string SerialPath => Path.Combine(Directory, "serial.log");

    public string MemoryPath => $"/vm/{Uuid:D}/memory";

    /// <summary>The serial console's lines so far.</summary>
    public string[] SerialLines => File.Exists(SerialPath) ? File.ReadAllLines(SerialPath) : [];

    /// <summary>The TICK counters printed so far.</summary>
    public List<int> Ticks => SerialLines.Select(l => TickLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>Defines the domain (marked persistent or not) and starts it.</summary>
    public static async Task<TestDomain> StartAsync(string tag, bool marked)
    {
        var uuid = Guid.NewGuid();
        string name = $"agent-{tag}-{uuid.ToString("N")[..8]}";
        string directory = Path.Combine("/tmp", name);
        System.IO.Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0x1ED); // 0755: libvirt's QEMU runs as another uid
        string kernel = Path.Combine(directory, "tick.elf");
        File.Copy(TickGuest.Kernel, kernel);
        var domain = new TestDomain(name, uuid, directory);
        string xml = $"""
            <domain type='qemu'>
              <name>{name}</name>
              <uuid>{uuid:D}</uuid>
              {(marked ? "<metadata><lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/></metadata>" : string.Empty)}
              <memory unit='MiB'>64</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='q35'>hvm</type><kernel>{kernel}</kernel></os>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>destroy</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <serial type='file'><source path='{domain.SerialPath}' append='on'/><target port='0'/></serial>
                <memballoon model='none'/>
              </devices>
            </domain>
            """;
        string file = Path.Combine(directory, "domain.xml");
        await File.WriteAllTextAsync(file, xml);
        await Virsh.RunAsync("define", file);
        await Virsh.RunAsync("start", name);
        return domain;
    }

    /// <summary>The domain as libvirt has it now.</summary>
    public DomainSnapshot Now()
    {
        using var libvirt = new LibvirtDomains(Virsh.Uri);
        return libvirt.Find(Uuid) ?? throw new InvalidOperationException($"{Name} is not defined");
    }

    /// <summary>Waits until the serial console shows TICK <paramref name="tick"/> or later.</summary>
    public async Task WaitForTickAsync(int tick, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (Ticks.LastOrDefault(-1) < tick)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: no TICK {tick}; serial:\n{string.Join('\n', SerialLines.TakeLast(10))}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds of the domain.</summary>
    public async Task WaitForAsync(Func<DomainSnapshot, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition(Now()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: not {what}: {Now()}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Virsh.RunAsync(false, "destroy", Name);
        await Virsh.RunAsync(false, "undefine", "--managed-save", Name);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"^TICK (\d+) ")]
    private static partial Regex TickLine();
}
