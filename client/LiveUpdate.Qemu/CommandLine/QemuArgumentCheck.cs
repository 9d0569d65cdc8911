namespace LiveUpdate.Qemu.CommandLine;

/// <summary>
/// Refuses (exit 2, before anything is created or started) the caller's QEMU arguments that conflict with what
/// liveupdate-qemu adds: the guest RAM (<c>-m</c>, a memory backend, <c>-machine memory-backend=</c>, <c>-mem-path</c>,
/// <c>-mem-prealloc</c>, NUMA nodes with memory), a second QMP monitor (<c>-qmp</c>, <c>-qmp-pretty</c>, <c>-mon
/// mode=control</c>) which could stop, resume or migrate the guest behind its back, and what would take the run out of
/// its hands (<c>-incoming</c>, <c>-daemonize</c>, <c>-S</c>, <c>-preconfig</c>, <c>-readconfig</c> whose contents it
/// cannot check). A human monitor (<c>-monitor</c>, <c>-mon</c> in readline mode) is fine: it is a separate character
/// device.
/// </summary>
internal static class QemuArgumentCheck
{
    /// <summary>The id of the memory backend liveupdate-qemu adds; no object of the caller's may take it.</summary>
    public const string MemoryBackendId = "liveupdate-ram";

    /// <summary>Throws <see cref="UsageException"/> naming the first conflicting argument.</summary>
    public static void Check(IReadOnlyList<string> qemuArguments)
    {
        foreach (var option in QemuOptionSyntax.Options(qemuArguments))
        {
            if (Conflict(option) is { } why)
            {
                string shown = option.Value is null ? option.Spelling : $"{option.Spelling} {option.Value}";
                throw new UsageException($"QEMU argument '{shown}' conflicts with liveupdate-qemu: {why}");
            }
        }
    }

    private static string? Conflict(QemuOptionSyntax.QemuOption option)
    {
        const string Ram = "liveupdate-qemu gives QEMU its RAM itself (the region's /vm/{uuid}/memory; its size is --memory's when it is created)";
        switch (option.Name)
        {
            case "m":
                return Ram + "; leave out -m";
            case "mem-path" or "mem-prealloc":
                return Ram + $"; leave out -{option.Name}";
            case "object":
                var members = QemuOptionSyntax.KeyValues(option.Value!, "qom-type");
                if (members.Any(m => m.Key == "qom-type" && m.Value.StartsWith("memory-backend-", StringComparison.Ordinal)))
                {
                    return Ram + "; leave out memory backends";
                }

                return members.Any(m => m.Key == "id" && m.Value == MemoryBackendId) ? $"the object id '{MemoryBackendId}' is liveupdate-qemu's" : null;
            case "machine" or "M":
                return QemuOptionSyntax.KeyValues(option.Value!, "type").Any(m => m.Key == "memory-backend")
                    ? Ram + "; leave out memory-backend=" : null;
            case "numa":
                return QemuOptionSyntax.KeyValues(option.Value!, "type").Any(m => m.Key is "memdev" or "mem")
                    ? Ram + " as one backend; NUMA nodes with memory of their own are not supported" : null;
            case "qmp" or "qmp-pretty":
                return "it runs QEMU's only QMP monitor (another could stop, resume or migrate the guest behind its back)";
            case "mon":
                return QemuOptionSyntax.KeyValues(option.Value!, "chardev").Any(m => m.Key == "mode" && m.Value == "control")
                    ? "it runs QEMU's only QMP monitor (-mon mode=control is one); a human monitor (mode=readline, -monitor) is fine" : null;
            case "incoming":
                return "it starts QEMU with -incoming itself when it resumes a saved VM";
            case "daemonize":
                return "it supervises QEMU in the foreground";
            case "S" or "preconfig":
                return "nothing could start the guest: it runs QEMU's only QMP monitor";
            case "readconfig":
                return "it cannot check a configuration file for memory or monitor settings; give those options on the command line";
            default:
                return null;
        }
    }
}
