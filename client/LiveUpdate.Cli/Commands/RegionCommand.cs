using System.CommandLine;
using CultureInfo = System.Globalization.CultureInfo;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl region</c>: the region's facts (Files.GetRegion).</summary>
internal static class RegionCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var command = new Command("region", "Show the persistent region: backend, path, size, used and free space, granules, physical base, format, state");
        setup.Describe(command, """
            JSON (--json): the RegionInfo message: backend (FILE | DEVDAX), path, size_bytes, used_bytes, free_bytes,
              small_granule_bytes, large_granule_bytes, physical_base, physical_base_simulated, format_version, state,
              generation, boot_id, previous_boot_id, file_count, directory_count, region_uuid,
              largest_free_extent_bytes, metadata_bytes.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            RegionInfo region = await context.Client.GetRegionAsync(cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, region);
            }
            else
            {
                Write(context.Out, region);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(TextWriter output, RegionInfo region)
    {
        var facts = Table.KeyValue();
        facts.Add("backend", EnumNames.Of(region.Backend));
        facts.Add("path", region.Path);
        facts.Add("size", $"{Humanize.Size(region.SizeBytes)} ({Humanize.Number(region.SizeBytes)} bytes)");
        facts.Add("used", $"{Humanize.Size(region.UsedBytes)} ({Percent(region.UsedBytes, region.SizeBytes)})");
        facts.Add("free", $"{Humanize.Size(region.FreeBytes)} (largest free extent {Humanize.Size(region.LargestFreeExtentBytes)})");
        facts.Add("metadata", Humanize.Size(region.MetadataBytes));
        facts.Add("granules", $"{Humanize.Size(region.SmallGranuleBytes)} small, {Humanize.Size(region.LargeGranuleBytes)} large");
        facts.Add("physical base", Humanize.Hex(region.PhysicalBase) + (region.PhysicalBaseSimulated ? " (simulated: a file region has no physical address)" : string.Empty));
        facts.Add("format version", Humanize.Number(region.FormatVersion));
        facts.Add("region uuid", Humanize.OrDash(region.RegionUuid));
        facts.Add("state", EnumNames.Of(region.State));
        facts.Add("generation", Humanize.Number(region.Generation));
        facts.Add("boot id", Humanize.OrDash(region.BootId));
        facts.Add("previous boot id", Humanize.OrDash(region.PreviousBootId));
        facts.Add("contents", $"{Humanize.Count((long)region.FileCount, "file")}, {Humanize.Count((long)region.DirectoryCount, "directory", "directories")}");
        facts.Write(output);
    }

    private static string Percent(ulong part, ulong whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
