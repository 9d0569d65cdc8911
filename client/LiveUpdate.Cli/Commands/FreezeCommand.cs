using System.CommandLine;
using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl freeze [--timeout 30s] [--force]</c> (Lifecycle.Freeze): runs the barrier and prints each progress message as
/// it arrives: the phase, and the VMMs that acked and that are still pending, by name and VM UUID.
/// </summary>
internal static class FreezeCommand
{
    /// <summary>The barrier's timeout when <c>--timeout</c> is not given.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = $"How long to wait for every registered VMM to ack ({AgeParser.Examples}) [default: 30s]",
            HelpName = "DURATION",
            CustomParser = result => ArgumentParsers.Age(result),
        };
        var force = new Option<bool>("--force")
        {
            Description = "Freeze although a process that is no registered VMM holds guest memory, and seal FROZEN at the timeout even if some VMMs have not acked (both are named); without it the freeze is refused, or aborts",
        };
        var command = new Command("freeze", "Pause every VMM and seal the region for a live update (the barrier before the kexec)") { timeout, force };
        setup.Describe(command, """
            The daemon sends PREPARE_FOR_UPDATE to every registered VMM; each pauses its VM, saves its device state and
            acks. When all have acked the region is sealed: FROZEN, exit 0. A timeout without --force, a Thaw, or
            Ctrl-C aborts the freeze back to ACTIVE and thaws the VMMs: ABORTED, exit 1. While FREEZING or FROZEN,
            changes to the region are refused (exit 4); 'luctl thaw' abandons the update.

            A freeze is refused at once (exit 4, nothing changed) while a live process that received a guest-memory
            descriptor is neither the registered VMM of that VM nor a child of one: the message names its pid, the
            file and the VM. It proceeds once that process has exited; --force proceeds anyway and names it.

            JSON (--json): one document at the end: the last FreezeProgress message's fields - phase (FROZEN |
              ABORTED), acked[] and pending[] {vm_uuid, name, connected}, message, elapsed_seconds, generation, forced -
              plus "progress": [every FreezeProgress message in order, the last included].
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            var progress = new List<FreezeProgress>();
            FreezeProgress final;
            try
            {
                final = await context.Client.FreezeAsync(
                    context.Get(timeout) ?? DefaultTimeout,
                    context.Get(force),
                    message =>
                    {
                        progress.Add(message);
                        if (!context.Json)
                        {
                            context.Out.WriteLine(ProgressLine(message));
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Failed, "interrupted: the freeze is aborted and the host returns to ACTIVE (see 'luctl status')");
            }

            if (context.Json)
            {
                JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    ProtoJson.WriteFields(writer, final);
                    writer.WriteStartArray("progress");
                    foreach (FreezeProgress message in progress)
                    {
                        ProtoJson.Write(writer, message);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                context.Out.WriteLine(final.Phase == FreezePhase.Frozen
                    ? $"FROZEN: generation {final.Generation}{(final.Forced ? ", by force" : string.Empty)}; next: the kexec (see 'luctl plan-kexec'), or 'luctl thaw' to abandon"
                    : $"ABORTED: {final.Message}; the host is ACTIVE again");
            }

            return final.Phase == FreezePhase.Frozen ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>
    /// One progress message as a line:
    /// <c>freeze  0.12 s  WAITING_FOR_ACKS  acked 1/2: vm-a (UUID)  pending: vm-b (UUID)  - message</c>.
    /// </summary>
    internal static string ProgressLine(FreezeProgress message)
    {
        int total = message.Acked.Count + message.Pending.Count;
        string line = $"freeze  {Humanize.Duration(message.Elapsed),8}  {EnumNames.Of(message.Phase),-16}";

        // DRAINING comes before the daemon takes the roll of VMMs: it names none, and "acked 0/0" would mislead.
        if (total > 0 || message.Phase != FreezePhase.Draining)
        {
            line += $"  acked {message.Acked.Count}/{total}";
        }

        if (message.Acked.Count > 0)
        {
            line += ": " + Names(message.Acked);
        }

        if (message.Pending.Count > 0)
        {
            line += "  pending: " + Names(message.Pending);
        }

        return string.IsNullOrEmpty(message.Message) ? line : $"{line}  - {message.Message}";
    }

    private static string Names(IEnumerable<VmmRef> vmms) =>
        string.Join(", ", vmms.Select(v => $"{v.Name} ({v.VmUuid}){(v.Connected ? string.Empty : " [disconnected]")}"));
}
