using LiveUpdate.Region;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Service.Regions;

/// <summary>
/// Whether the daemon formats, attaches or refuses a region at start-up, from what the device holds. Formatting is
/// explicit (<c>--format</c>) for anything but an empty region file: a device-DAX region that holds only zeros is either
/// a fresh device or the memory of a region whose reservation was lost across a reboot or kexec (a kernel booted
/// without <c>memmap=</c> used the range as ordinary RAM; <c>memtest=</c> or the firmware zeroed it), and the daemon
/// cannot tell which. Formatting the second silently would make the loss look like a fresh start: the real-kexec lab's
/// negative control came up ACTIVE with no reconcile at all before this rule.
/// </summary>
internal static class FormatPolicy
{
    /// <summary>What to do with the device.</summary>
    internal enum Action
    {
        /// <summary>Attach: it holds a region (attach itself refuses a newer or damaged one, saying why).</summary>
        Attach,

        /// <summary>Format it, for <see cref="Decide"/>'s reason.</summary>
        Format,

        /// <summary>Refuse to start, for <see cref="Decide"/>'s reason.</summary>
        Refuse,
    }

    /// <summary>The action for a device of <paramref name="backend"/> holding <paramref name="content"/>, and why (for the log or the error).</summary>
    internal static (Action Action, string Reason) Decide(RegionContent content, RegionBackend backend, bool formatRequested, string path) =>
        content switch
        {
            RegionContent.Empty when backend == RegionBackend.File => (Action.Format, "it holds nothing"),
            RegionContent.Empty when formatRequested => (Action.Format, "it holds only zeros and --format was given"),
            RegionContent.Empty => (Action.Refuse,
                $"{path} is device DAX and holds only zeros: either a fresh device (start once with --format to format it) or " +
                "a region whose memory was lost, because a kernel booted without its memmap= reservation and used the range as " +
                "ordinary RAM (check the memmap= of every kernel booted since; do not format until you know); refusing to format it without --format"),
            RegionContent.Foreign when formatRequested => (Action.Format, "it holds data that is not a LiveUpdate region and --format was given"),
            RegionContent.Foreign => (Action.Refuse,
                $"{path} holds data that is not a LiveUpdate region; refusing to touch it (pass --format to format it, destroying that data)"),
            _ => (Action.Attach, string.Empty),
        };
}
