namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// One test domain: TCG, the tickguest as its kernel, liveupdate-emulator (through the fixture's shim) as its
/// &lt;emulator&gt;, its serial port appended to a file (a restored QEMU goes on in the same file), 64 MiB of RAM as one
/// node or two NUMA cells of 32 MiB (the guest's 32 MiB pattern at 16 MiB then spans both).
/// </summary>
internal sealed class LvtDomain(PrivateLibvirt libvirt, string scenario, bool marked, int numaNodes = 0)
{
    public const ulong MemoryBytes = 64UL << 20;

    /// <summary>A name of its own on a shared machine: lvt-SCENARIO-xxxxxx.</summary>
    public string Name { get; } = $"lvt-{scenario}-{Guid.NewGuid():N}"[..(scenario.Length + 11)];

    public Guid Uuid { get; } = Guid.NewGuid();

    public int NumaNodes => numaNodes;

    public SerialLog Serial => new(Path.Combine(libvirt.Directory, Name + ".serial"));

    /// <summary>Its guest-memory files in the region, as the hook creates them and the emulator maps them.</summary>
    public IReadOnlyList<string> MemoryPaths =>
        numaNodes == 0 ? [$"/vm/{Uuid:D}/memory"] : [.. Enumerable.Range(0, numaNodes).Select(n => $"/vm/{Uuid:D}/memory-node{n}")];

    public string Xml
    {
        get
        {
            string cpu = numaNodes == 0
                ? string.Empty
                : $"<cpu mode='custom' match='exact'><model>qemu64</model><numa>{string.Concat(Enumerable.Range(0, numaNodes).Select(n => $"<cell id='{n}' cpus='{n}' memory='{MemoryBytes / (ulong)numaNodes >> 20}' unit='MiB'/>"))}</numa></cpu>";
            return $"""
                <domain type='qemu'>
                  <name>{Name}</name>
                  <uuid>{Uuid:D}</uuid>
                  {(marked ? "<metadata><lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/></metadata>" : string.Empty)}
                  <memory unit='MiB'>{MemoryBytes >> 20}</memory>
                  <vcpu>{Math.Max(1, numaNodes)}</vcpu>
                  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>{libvirt.Kernel}</kernel></os>
                  {cpu}
                  <devices>
                    <emulator>{libvirt.EmulatorShim}</emulator>
                    <serial type='file'><source path='{Serial.Path}' append='on'/></serial>
                  </devices>
                </domain>
                """;
        }
    }

    /// <summary>Defines it (persistently) on the fixture's libvirtd.</summary>
    public async Task DefineAsync()
    {
        var file = Path.Combine(libvirt.Directory, Name + ".xml");
        await File.WriteAllTextAsync(file, Xml);
        await libvirt.VirshOkAsync("define", file);
    }

    /// <summary>`virsh domstate`: running, paused, shut off…</summary>
    public Task<string> StateAsync() => libvirt.VirshOkAsync("domstate", Name);

    /// <summary>Whether libvirt holds a managed save of it.</summary>
    public async Task<bool> HasManagedSaveAsync() =>
        (await libvirt.VirshOkAsync("dominfo", Name)).Split('\n').Any(l => l.StartsWith("Managed save:", StringComparison.Ordinal) && l.TrimEnd().EndsWith("yes", StringComparison.Ordinal));

    /// <summary>Waits (polling every 100 ms) until `virsh domstate` says <paramref name="state"/>.</summary>
    public async Task WaitForStateAsync(string state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        string now;
        while ((now = await StateAsync()) != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Name} is '{now}', not '{state}', after {timeout ?? TimeSpan.FromSeconds(60)}:\n{libvirt.DomainLog(Name)}");
            await Task.Delay(100);
        }
    }
}
