using System.CommandLine;
using System.Globalization;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl usage [--uid UID]</c>: what uids own against their quotas, and the tokens they hold (Files.GetUsage).</summary>
internal static class UsageCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var uid = new Option<uint?>("--uid") { Description = "Only this uid [default: every uid for root and the admin group, else your own]", HelpName = "UID", CustomParser = ArgumentParsers.Uid };
        var command = new Command("usage", "Show what each uid owns in the region against its quota (bytes, inodes) and the descriptor tokens it holds") { uid };
        setup.Describe(command, """
            Quotas apply to uids outside the admin group (liveupdated --quota-bytes, --quota-inodes, per-uid settings);
            root, the daemon's uid and the admin group show "unlimited". A uid other than root sees its own line only;
            asking for another uid's is PERMISSION_DENIED (exit 1).

            JSON (--json): the UsageReport message: uids[] {uid, bytes, inodes, quota_bytes, quota_inodes (0 = unlimited),
              outstanding_tokens, max_tokens (0 = unlimited), quota_bytes_setting, quota_inodes_setting}.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            UsageReport report = await context.Client.GetUsageAsync(context.Get(uid), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, report);
            }
            else
            {
                Write(context.Out, report);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(TextWriter output, UsageReport report)
    {
        if (report.Uids.Count == 0)
        {
            output.WriteLine("no uid owns anything in the region");
            return;
        }

        var table = Table.WithHeaders("UID", "BYTES", "QUOTA", "USED", "INODES", "QUOTA", "USED", "TOKENS", "LIMIT").AlignRight(0, 1, 2, 3, 4, 5, 6, 7, 8);
        foreach (UidUsage usage in report.Uids)
        {
            table.Add(
                Humanize.Number(usage.Uid),
                Humanize.Size(usage.Bytes),
                usage.QuotaBytes == 0 ? "unlimited" : Humanize.Size(usage.QuotaBytes),
                Percent(usage.Bytes, usage.QuotaBytes),
                Humanize.Number(usage.Inodes),
                usage.QuotaInodes == 0 ? "unlimited" : Humanize.Number(usage.QuotaInodes),
                Percent(usage.Inodes, usage.QuotaInodes),
                Humanize.Number(usage.OutstandingTokens),
                usage.MaxTokens == 0 ? "unlimited" : Humanize.Number(usage.MaxTokens));
        }

        table.Write(output);
    }

    private static string Percent(ulong part, ulong whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("0", CultureInfo.InvariantCulture) + " %";
}
