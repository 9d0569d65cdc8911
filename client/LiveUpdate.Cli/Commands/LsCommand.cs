using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl ls [-l] [PATH]</c>: a directory's entries (Files.List), or one file (Files.Stat).</summary>
internal static class LsCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "A directory or file in the region", DefaultValueFactory = _ => "/" }.RegionPath();
        var longFormat = new Option<bool>("--long", "-l") { Description = "One line per entry: kind, mode, owner, size, extents, VM UUID, modified time, name" };
        var command = new Command("ls", "List a directory of the region (names; -l for details)") { path, longFormat };
        setup.Describe(command, """
            Directories are listed with a trailing '/'. A PATH that is a file lists that file alone.

            JSON (--json): {"path": PATH, "entries": [FileInfo, ...]}, each FileInfo as in 'luctl stat --json'.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            string directory = context.Get(path)!;
            FileInfo target = await context.Client.StatAsync(directory, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<FileInfo> entries = target.Kind == FileKind.Directory
                ? await context.Client.ListAsync(directory, cancellationToken).ConfigureAwait(false)
                : [target];
            if (context.Json)
            {
                JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", directory);
                    writer.WriteStartArray("entries");
                    foreach (FileInfo entry in entries)
                    {
                        ProtoJson.Write(writer, entry);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else if (context.Get(longFormat))
            {
                WriteLong(context.Out, entries);
            }
            else
            {
                foreach (FileInfo entry in entries)
                {
                    context.Out.WriteLine(NameOf(entry));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The entry's last path component, with a trailing '/' for a directory.</summary>
    internal static string NameOf(FileInfo entry)
    {
        string name = entry.Path.TrimEnd('/');
        name = name.Length == 0 ? "/" : name[(name.LastIndexOf('/') + 1)..];
        return entry.Kind == FileKind.Directory && name != "/" ? name + "/" : name;
    }

    private static void WriteLong(TextWriter output, IReadOnlyList<FileInfo> entries)
    {
        var table = Table.WithHeaders("KIND", "MODE", "OWNER", "SIZE", "EXTENTS", "VM UUID", "MODIFIED", "NAME").AlignRight(2, 3, 4);
        foreach (FileInfo entry in entries)
        {
            bool directory = entry.Kind == FileKind.Directory;
            table.Add(
                EnumNames.Of(entry.Kind),
                Humanize.Mode(entry.Mode),
                Humanize.Number(entry.OwnerUid),
                directory ? "-" : Humanize.Size(entry.SizeBytes),
                directory ? "-" : Humanize.Number((ulong)entry.Extents.Count),
                Humanize.OrDash(entry.VmUuid),
                Humanize.Time(entry.ModifiedAt),
                NameOf(entry));
        }

        output.WriteLine($"total {Humanize.Count(entries.Count, "entry", "entries")}, {Humanize.Size((ulong)entries.Sum(e => (decimal)e.SizeBytes))}");
        table.Write(output);
    }
}
