using System.CommandLine;
using System.CommandLine.Help;

namespace LiveUpdate.Cli.Commands;

/// <summary>Builds <c>luctl</c>'s command tree and its help.</summary>
internal static class RootCommandFactory
{
    /// <summary>The root command with every subcommand, the global options and the extended help.</summary>
    public static RootCommand Create()
    {
        var setup = new CommandSetup();
        var root = new RootCommand("luctl: operate the LiveUpdate daemon (liveupdated) of this KVM host: its persistent region, its files, and live updates.")
        {
            setup.Options.Json,
            setup.Options.SocketDirectory,
            StatusCommand.Create(setup),
            RegionCommand.Create(setup),
            LsCommand.Create(setup),
            StatCommand.Create(setup),
            CreateCommand.Create(setup),
            MkdirCommand.Create(setup),
            RmCommand.Create(setup),
            FreezeCommand.Create(setup),
            ThawCommand.Create(setup),
            ReconcileCommand.Create(setup),
            CheckCommand.Create(setup),
            GcCommand.Create(setup),
            DmaCommand.Create(setup),
            PlanKexecCommand.Create(setup),
            QemuArgsCommand.Create(setup),
            UsageCommand.Create(setup),
        };
        setup.Describe(root, """
            A live update, step by step:
              luctl status                     the host is ACTIVE, the VMMs are registered
              luctl plan-kexec                 the memmap= reservation and the kexec -l line (run the kexec -l now)
              luctl freeze --timeout 30s       every VMM pauses and acks; ends FROZEN (exit 0) or ABORTED (exit 1)
              systemctl kexec                  the new kernel starts; the daemon reconciles; the VMMs reclaim their memory
              luctl reconcile --dry-run        the verdicts: RESUMABLE, ORPHANED (quarantined), MISSING
              luctl thaw                       instead of the kexec: abandon the update

            Exit codes:
              0  ok
              1  the operation failed: refused by the daemon (NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED,
                 PERMISSION_DENIED, DATA_LOSS, UNIMPLEMENTED, ...), a freeze ABORTED, check or reconcile found problems
              2  usage: unknown command or option, missing or malformed argument (size, age, UUID), or INVALID_ARGUMENT
              3  the daemon is unreachable: no socket, connection refused, or UNAVAILABLE (starting, attaching,
                 reconciling) after about 1.5 s of retries; also a socket directory this user may not enter
              4  refused by state: FAILED_PRECONDITION (frozen for an update, directory not empty, DMA-mapped), or
                 plan-kexec on a file region
            Errors are one line on stderr: luctl: COMMAND: STATUS: what happened; what to do.

            Sizes: 4096, 512M, 16GiB, 2MiB, 1.5G (binary: K = KiB = 2^10, M = 2^20, G = 2^30, T = 2^40).
            Durations and ages: 0, 500ms, 30s, 30m, 12h, 7d, 1h30m (a unit is required, except for 0).

            --json prints one JSON document on stdout: the daemon's answer with the liveupdate.v1 field names
            (snake_case), every field present, 64-bit numbers as JSON numbers, enums as names (ACTIVE, GUEST_MEMORY),
            times as RFC 3339 UTC strings, durations as seconds in a field named NAME_seconds. Each command's --help
            lists its fields; client/LiveUpdate.Cli/README.md has them all.

            Environment: LIVEUPDATE_SOCKET_DIR is the default socket directory (as for the daemon).
            """);

        root.HelpName = "luctl"; // whatever the executable is called (dotnet luctl.dll, a symlink, a test host)
        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new DetailedHelpAction((HelpAction)help.Action!, setup.Details);
        return root;
    }
}
