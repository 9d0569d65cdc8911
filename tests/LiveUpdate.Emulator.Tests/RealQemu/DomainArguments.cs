using System.Globalization;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>QEMU's arguments as libvirt 11.3 generates them for a small TCG domain (docs/design.md §15), for the tests.</summary>
internal static class DomainArguments
{
    /// <summary>A one-node domain of <paramref name="bytes"/> running the test guest, monitor on the inherited socket, paused (-S).</summary>
    public static List<string> OneNode(Guid uuid, ulong bytes, string serialPath, params string[] extra) =>
    [
        "-name", "guest=emu-test,debug-threads=on", "-S",
        "-machine", "pc-q35-10.0,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=off", "-accel", "tcg", "-cpu", "qemu64",
        "-m", string.Create(CultureInfo.InvariantCulture, $"size={bytes >> 10}k"),
        "-object", string.Create(CultureInfo.InvariantCulture, $$"""{"qom-type":"memory-backend-ram","id":"pc.ram","size":{{bytes}}}"""),
        "-overcommit", "mem-lock=off", "-smp", "1,sockets=1,cores=1,threads=1", "-uuid", uuid.ToString("D"), "-display", "none",
        "-no-user-config", "-nodefaults", "-chardev", "socket,id=charmonitor,fd={MONITOR_FD},server=on,wait=off",
        "-mon", "chardev=charmonitor,id=monitor,mode=control", "-rtc", "base=utc", "-no-shutdown",
        "-kernel", LiveUpdate.Qemu.Tests.RealQemu.TickGuest.Kernel, "-serial", "file:" + serialPath,
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny", "-msg", "timestamp=on", .. extra,
    ];

    /// <summary>A two-node NUMA domain (ram-node0, ram-node1 of <paramref name="nodeBytes"/> each).</summary>
    public static List<string> TwoNodes(Guid uuid, ulong nodeBytes, string serialPath)
    {
        var args = OneNode(uuid, 2 * nodeBytes, serialPath);
        int backend = args.FindIndex(a => a.Contains("\"pc.ram\"", StringComparison.Ordinal));
        args[backend] = string.Create(CultureInfo.InvariantCulture, $$"""{"qom-type":"memory-backend-ram","id":"ram-node0","size":{{nodeBytes}}}""");
        args.InsertRange(backend + 1,
        [
            "-numa", "node,nodeid=0,cpus=0,memdev=ram-node0",
            "-object", string.Create(CultureInfo.InvariantCulture, $$"""{"qom-type":"memory-backend-ram","id":"ram-node1","size":{{nodeBytes}}}"""),
            "-numa", "node,nodeid=1,memdev=ram-node1",
        ]);
        args[args.IndexOf("pc-q35-10.0,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=off")] = "pc-q35-10.0,usb=off,dump-guest-core=off,acpi=off";
        return args;
    }
}
