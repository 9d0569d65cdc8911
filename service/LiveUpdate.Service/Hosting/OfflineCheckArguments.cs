namespace LiveUpdate.Service.Hosting;

/// <summary>The arguments of <c>liveupdated check</c>: <c>--region PATH [--repair] [--json]</c>, or <c>--help</c>.</summary>
internal sealed record OfflineCheckArguments(string Region, bool Repair, bool Json, bool Help)
{
    /// <summary>The help text of <c>liveupdated check</c>.</summary>
    public const string Usage = """
        usage: liveupdated check --region PATH [--repair] [--json]

        Checks every invariant of a region's metadata (superblock, journal, inodes, extents, IOMMU tables) with no
        daemon running: what 'luctl check' does online, and the way out when the daemon refuses to attach a damaged
        region. It takes the region's lock as the daemon does, so no daemon can start on the region meanwhile.

          --region PATH   the region the daemon attaches (its --region)
          --repair        repair what can be repaired without guessing (every repair is a journal transaction)
          --json          one JSON object on stdout (as 'luctl check --json'): clean, problems[] {structure, offset,
                          message, repaired, repair_note}, notes[], inodes, used_bytes, free_bytes, total_bytes,
                          repair_requested, duration_seconds
          --help          print this text

        exit codes: 0 clean (with --repair: every problem repaired), 1 problems remain, 2 bad usage (or the region
        cannot be opened), 3 the region is held by a running daemon (nothing was read or changed: use 'luctl check')
        """;

    /// <summary>Parses <paramref name="args"/> (what follows <c>check</c>); <see cref="FormatException"/> on bad usage.</summary>
    public static OfflineCheckArguments Parse(IReadOnlyList<string> args)
    {
        string? region = null;
        bool repair = false, json = false, help = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--repair":
                    repair = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--region":
                    region = i + 1 < args.Count ? args[++i] : throw new FormatException("--region needs a PATH");
                    break;
                case var arg when arg.StartsWith("--region=", StringComparison.Ordinal):
                    region = arg["--region=".Length..];
                    break;
                case var arg:
                    throw new FormatException($"unexpected argument '{arg}' (see liveupdated check --help)");
            }
        }

        if (help)
        {
            return new OfflineCheckArguments(string.Empty, repair, json, Help: true);
        }

        return string.IsNullOrEmpty(region)
            ? throw new FormatException("--region PATH is required (see liveupdated check --help)")
            : new OfflineCheckArguments(region, repair, json, Help: false);
    }
}
