using System.CommandLine;
using System.Globalization;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Planning;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl qemu-args PATH [--fd N]</c>: ready-to-paste QEMU (≥ 8.1) options that map a guest-memory file as guest RAM
/// (Files.Stat for the extents, Files.GetRegion for the region's path); see <see cref="QemuArgs"/>.
/// </summary>
internal static class QemuArgsCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "A GUEST_MEMORY file of the region" }.RegionPath();
        var fd = new Option<int?>("--fd")
        {
            Description = "mem-path=/proc/self/fd/N instead of the region's path: for a launcher that opened the file through the daemon and passes QEMU the descriptor as fd N",
            HelpName = "N",
            CustomParser = ArgumentParsers.Descriptor,
        };
        var command = new Command("qemu-args", "Print QEMU >= 8.1 options that map a guest-memory file as the guest's RAM, one memory backend per extent") { path, fd };
        setup.Describe(command, """
            One backend per extent of the file, in file order:
              -object memory-backend-file,id=lu-ramN,mem-path=REGION,offset=REGION_OFFSET,size=LENGTH,share=on,align=2M
            (offset= is new in QEMU 8.1; sizes and offsets use QEMU's binary suffixes K, M, G, T). QEMU takes exactly one
            backend as boot RAM: a file of one extent (the usual case) is '-machine memory-backend=lu-ram0 -m SIZE';
            a file of several extents becomes one NUMA node per extent ('-m TOTAL -numa node,nodeid=N,memdev=lu-ramN'),
            all ordinary boot RAM, so the guest sees that many NUMA nodes (place vCPUs with -numa cpu,...). pc-dimm
            devices would keep one node but give the guest hot-plugged memory (ACPI hotplug, onlining): not used.
            Do not give -m or another main memory backend besides these. Options are printed one per line, ending in
            ' \' to paste after the QEMU command.

            JSON (--json): {"path", "mem_path", "size_bytes", "backends": [{"id", "file_offset", "region_offset",
              "length", "object"}], "argv": [every argument word in order]}.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            FileInfo file = await context.Client.StatAsync(context.Get(path)!, cancellationToken).ConfigureAwait(false);
            string memPath = context.Get(fd) is { } descriptor
                ? "/proc/self/fd/" + descriptor.ToString(CultureInfo.InvariantCulture)
                : (await context.Client.GetRegionAsync(cancellationToken).ConfigureAwait(false)).Path;
            QemuPlan plan = QemuArgs.Build(file, memPath);
            if (context.Json)
            {
                WriteJson(context.Out, plan);
            }
            else
            {
                Write(context.Out, plan);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The human form: comment lines, then one option (flag and value) per line, continued with ' \'.</summary>
    internal static void Write(TextWriter output, QemuPlan plan)
    {
        output.WriteLine($"# {plan.Path}: {Humanize.Size(plan.SizeBytes)} of guest memory in {Humanize.Count(plan.Backends.Count, "extent")} of {plan.MemPath} (QEMU >= 8.1)");
        output.WriteLine(plan.Backends.Count == 1
            ? "# one backend: the machine's boot RAM"
            : $"# {plan.Backends.Count} backends: one NUMA node each (QEMU maps a single backend as boot RAM); place vCPUs with -numa cpu,...");
        IReadOnlyList<string> words = plan.Arguments;
        for (int i = 0; i < words.Count; i += 2)
        {
            output.WriteLine($"{words[i]} {ShellQuote(words[i + 1])}{(i + 2 < words.Count ? " \\" : string.Empty)}");
        }
    }

    private static void WriteJson(TextWriter output, QemuPlan plan) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("path", plan.Path);
        writer.WriteString("mem_path", plan.MemPath);
        writer.WriteNumber("size_bytes", plan.SizeBytes);
        writer.WriteStartArray("backends");
        foreach (QemuBackend backend in plan.Backends)
        {
            writer.WriteStartObject();
            writer.WriteString("id", backend.Id);
            writer.WriteNumber("file_offset", backend.FileOffset);
            writer.WriteNumber("region_offset", backend.RegionOffset);
            writer.WriteNumber("length", backend.Length);
            writer.WriteString("object", backend.Object);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("argv");
        foreach (string word in plan.Arguments)
        {
            writer.WriteStringValue(word);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary>The word as is when the shell leaves it alone, else in single quotes.</summary>
    internal static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_=,./:@%+".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
