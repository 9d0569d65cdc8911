using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Planning;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl qemu-args PATH</c>: the QEMU (≥ 8.1) options that map a guest-memory file as guest RAM by the region's path
/// (Files.Stat for the extent, Files.GetRegion for the path); see <see cref="QemuArgs"/>. Who can use them: a QEMU that
/// may open the region itself (root, or a user the region file's mode admits), which bypasses the daemon's ownership
/// checks and hand-out log and leaves the freeze unanswered; a note on stderr says so and names liveupdate-qemu.
/// </summary>
internal static class QemuArgsCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "A GUEST_MEMORY file of the region, in one extent" }.RegionPath();
        var command = new Command("qemu-args", "Print QEMU >= 8.1 options that map a guest-memory file as the guest's RAM from the region's path") { path };
        setup.Describe(command, """
            For a file in one contiguous extent (files in several are refused: QEMU maps boot RAM from one run):
              -object memory-backend-file,id=lu-ram0,mem-path=REGION,offset=REGION_OFFSET,size=SIZE,share=on,align=2M
              -machine memory-backend=lu-ram0 -m SIZE
            (offset= is new in QEMU 8.1; sizes and offsets use QEMU's binary suffixes K, M, G, T). Options are printed one
            per line, ending in ' \' to paste after the QEMU command; do not give another -m or main memory backend.

            Who can use them: QEMU opens REGION itself, so it must run as root or as a user the region file's owner, group
            and mode admit (ls -l REGION). That bypasses the daemon's per-file ownership checks and its hand-out log, and
            nothing answers the freeze for such a QEMU. liveupdate-qemu is the supported way to run QEMU on the region:
            it maps the memory the same way and saves and restores the device state across an update. A note on stderr
            says so every time.

            Namespaces backend: the file is its own device (FileInfo.device_path, owned by the file's owner, 0600), and
            mem-path is that device with no offset=.

            JSON (--json): {"path", "mem_path", "size_bytes", "region_offset", "object", "argv": [every argument word in order]}.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            FileInfo file = await context.Client.StatAsync(context.Get(path)!, cancellationToken).ConfigureAwait(false);
            string region = (await context.Client.GetRegionAsync(cancellationToken).ConfigureAwait(false)).Path;
            QemuPlan plan = QemuArgs.Build(file, region);
            if (context.Json)
            {
                WriteJson(context.Out, plan);
            }
            else
            {
                Write(context.Out, plan);
            }

            context.Error.WriteLine(file.DevicePath.Length > 0 ? OwnDeviceNote(file.DevicePath) : Note(region));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The note on stderr for a file that is its own device (namespaces backend): only its owner's QEMU can open it.</summary>
    internal static string OwnDeviceNote(string device) =>
        $"luctl: qemu-args: note: QEMU opens {device} itself: the file's own device, which only the file's owner (mode 0600) and root can open " +
        "(nothing answers the freeze for such a QEMU); liveupdate-qemu is the supported way to run QEMU on the region";

    /// <summary>The note on stderr: who can run QEMU with these options, and what to use instead.</summary>
    internal static string Note(string region) =>
        $"luctl: qemu-args: note: QEMU opens {region} itself: it must run as root or as a user the region file's mode admits " +
        "(this bypasses the daemon's ownership checks, and nothing answers the freeze for it); liveupdate-qemu is the supported way to run QEMU on the region";

    /// <summary>The human form: a comment line, then one option (flag and value) per line, continued with ' \'.</summary>
    internal static void Write(TextWriter output, QemuPlan plan)
    {
        output.WriteLine($"# {plan.Path}: {Humanize.Size(plan.SizeBytes)} of guest memory at {Humanize.Hex(plan.RegionOffset)} of {plan.MemPath} (QEMU >= 8.1)");
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
        writer.WriteNumber("region_offset", plan.RegionOffset);
        writer.WriteString("object", plan.Object);
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
