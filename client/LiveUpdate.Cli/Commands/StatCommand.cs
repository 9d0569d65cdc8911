using System.CommandLine;
using LiveUpdate.Cli.Output;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl stat PATH</c>: one file or directory with its extents (Files.Stat).</summary>
internal static class StatCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "A file or directory in the region" }.RegionPath();
        var command = new Command("stat", "Describe one file or directory: kind, size, owner, VM, instance id, times, generation and extents") { path };
        setup.Describe(command, """
            JSON (--json): the FileInfo message: path, inode, kind (GUEST_MEMORY | DEVICE_STATE | BLOB | IOMMU_PGTABLE |
              DIRECTORY), size_bytes, vm_uuid, owner_uid, mode, created_at, modified_at, generation,
              extents[] {file_offset, region_offset, length}, dma_mapped_bytes, allocated_bytes, instance_id (random at
              creation, never changed: a file removed and created again has another).
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            FileInfo file = await context.Client.StatAsync(context.Get(path)!, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, file);
            }
            else
            {
                Write(context.Out, file);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The human form: facts, then the extent table.</summary>
    internal static void Write(TextWriter output, FileInfo file)
    {
        var facts = Table.KeyValue();
        facts.Add("path", file.Path);
        facts.Add("kind", EnumNames.Of(file.Kind));
        facts.Add("size", $"{Humanize.Size(file.SizeBytes)} ({Humanize.Number(file.SizeBytes)} bytes)");
        facts.Add("allocated", Humanize.Size(file.AllocatedBytes));
        facts.Add("inode", Humanize.Number(file.Inode));
        facts.Add("vm uuid", Humanize.OrDash(file.VmUuid));
        facts.Add("instance id", Humanize.OrDash(file.InstanceId));
        facts.Add("owner uid", Humanize.Number(file.OwnerUid));
        facts.Add("mode", Humanize.Mode(file.Mode));
        facts.Add("created", Humanize.Time(file.CreatedAt));
        facts.Add("modified", Humanize.Time(file.ModifiedAt));
        facts.Add("generation", Humanize.Number(file.Generation));
        facts.Add("dma mapped", Humanize.Size(file.DmaMappedBytes));
        facts.Add("extents", Humanize.Number((ulong)file.Extents.Count));
        facts.Write(output);
        if (file.Extents.Count == 0)
        {
            return;
        }

        output.WriteLine();
        var extents = Table.WithHeaders("FILE OFFSET", "REGION OFFSET", "LENGTH", "SIZE").AlignRight(0, 1, 2, 3);
        foreach (var extent in file.Extents)
        {
            extents.Add(Humanize.Hex(extent.FileOffset), Humanize.Hex(extent.RegionOffset), Humanize.Hex(extent.Length), Humanize.Size(extent.Length));
        }

        extents.Write(output, "  ");
    }
}
