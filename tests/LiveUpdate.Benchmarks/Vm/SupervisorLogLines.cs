using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// The lines <c>liveupdate-qemu</c> writes on stderr for each step of a VM's life, with their durations (milliseconds,
/// one decimal): <c>liveupdate-qemu: VM {uuid}: started fresh in … ms</c>, <c>… frozen in … ms (stop … ms, save … ms,
/// … bytes, ack … ms)</c> and <c>… resumed in … ms (reclaim … ms, start … ms, load … ms, cont … ms)</c>, where "resumed
/// in" counts from the supervisor's start to the guest running again.
/// </summary>
internal static partial class SupervisorLogLines
{
    private const string Vm = @"liveupdate-qemu: VM ([0-9a-fA-F-]{36}): ";
    private const string Ms = @"([0-9]+(?:\.[0-9]+)?) ms";

    public sealed record Started(Guid Vm, double Milliseconds);

    /// <summary>PREPARE_FOR_UPDATE handled: QMP stop, the device state saved (guest RAM skipped) and streamed, AckFreeze.</summary>
    public sealed record Frozen(Guid Vm, double Milliseconds, double StopMs, double SaveMs, long Bytes, double AckMs);

    /// <summary>After the kexec: Reclaim, QEMU started with -incoming defer, the device state loaded, cont.</summary>
    public sealed record Resumed(Guid Vm, double Milliseconds, double ReclaimMs, double StartMs, double LoadMs, double ContMs);

    /// <summary>The "started fresh" line of <paramref name="vm"/>, or null for any other line.</summary>
    public static Started? StartedFresh(string line, Guid vm) =>
        StartedPattern().Match(line) is { Success: true } m && Uuid(m) == vm ? new Started(vm, Number(m, 2)) : null;

    /// <summary>The "frozen in" line of <paramref name="vm"/>, or null for any other line.</summary>
    public static Frozen? FrozenIn(string line, Guid vm) =>
        FrozenPattern().Match(line) is { Success: true } m && Uuid(m) == vm
            ? new Frozen(vm, Number(m, 2), Number(m, 3), Number(m, 4), long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), Number(m, 6))
            : null;

    /// <summary>The "resumed in" line of <paramref name="vm"/>, or null for any other line.</summary>
    public static Resumed? ResumedIn(string line, Guid vm) =>
        ResumedPattern().Match(line) is { Success: true } m && Uuid(m) == vm
            ? new Resumed(vm, Number(m, 2), Number(m, 3), Number(m, 4), Number(m, 5), Number(m, 6))
            : null;

    private static Guid Uuid(Match match) => Guid.TryParse(match.Groups[1].Value, out var uuid) ? uuid : Guid.Empty;

    private static double Number(Match match, int group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(Vm + "started fresh in " + Ms, RegexOptions.CultureInvariant)]
    private static partial Regex StartedPattern();

    [GeneratedRegex(Vm + "frozen in " + Ms + @" \(stop " + Ms + ", save " + Ms + @", ([0-9]+) bytes, ack " + Ms + @"\)", RegexOptions.CultureInvariant)]
    private static partial Regex FrozenPattern();

    [GeneratedRegex(Vm + "resumed in " + Ms + @" \(reclaim " + Ms + ", start " + Ms + ", load " + Ms + ", cont " + Ms + @"\)", RegexOptions.CultureInvariant)]
    private static partial Regex ResumedPattern();
}
