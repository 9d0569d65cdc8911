using System.Globalization;
using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// The vm suite's libvirt part: the same tickguests as libvirt domains on the host's libvirtd (<c>qemu:///system</c>,
/// TCG), saved and restored by <c>virsh</c> with their RAM kept in the region (marked persistent, run by
/// liveupdate-emulator: <c>virsh managedsave</c>, then <c>virsh start</c>) and, in the same run, with ordinary RAM (a
/// plain <c>virsh save</c>/<c>virsh restore</c> of the same guest, same memory size). Rounds of one domain and of
/// <see cref="ManyDomains"/> at once, the two kinds alternately (see <see cref="LibvirtSaveBenchmark"/>).
/// </summary>
internal static class LibvirtSavePart
{
    private const string Section = "libvirt save and restore (virsh wall times; restore → TICK from outside)";
    private const ulong MemoryBytes = 256UL << 20;
    private const int ManyDomains = 4;
    private const int SingleRounds = 3;
    private const int ManyRounds = 2;

    public static async Task RunAsync(ScratchDirectory scratch, TickGuest guest, SuiteResult result, TextWriter log)
    {
        BenchDomain.RemoveAbandoned();
        log.WriteLine($"libvirt: {Virsh.Uri}, {Virsh.Run("version").Output.Split('\n').FirstOrDefault(l => l.Contains("libvirt", StringComparison.Ordinal))?.Trim()}; emulator {EmulatorBinary.Path}");
        using var host = LibvirtRegionHost.Start(scratch.FileNamed("lv"), ManyDomains, MemoryBytes);
        var shim = EmulatorShim.Write(scratch.FileNamed("emulator.sh"), host.SocketDirectory);
        var plain = Enumerable.Range(0, ManyDomains).Select(i => new BenchDomain(DomainKind.Plain, i, MemoryBytes, scratch.Path)).ToList();
        var kept = Enumerable.Range(0, ManyDomains).Select(i => new BenchDomain(DomainKind.Persistent, i, MemoryBytes, scratch.Path)).ToList();
        try
        {
            foreach (var domain in plain.Concat(kept))
            {
                domain.Define(guest.KernelPath, shim);
            }

            foreach (var domain in kept)
            {
                await host.CreateFilesAsync(domain).ConfigureAwait(false);
            }

            async Task<LibvirtSaveRound> RoundAsync(List<BenchDomain> domains, int count, string label)
            {
                var chosen = domains.Take(count).ToList();
                var round = await LibvirtSaveBenchmark.RunAsync(chosen, chosen[0].Kind == DomainKind.Persistent ? host.WriteManagedSaveRecordAsync : _ => Task.CompletedTask).ConfigureAwait(false);
                LogRound(log, label, round);
                return round;
            }

            var rounds = new Dictionary<(DomainKind, int), List<LibvirtSaveRound>>();
            foreach (var (count, total) in new[] { (1, SingleRounds), (ManyDomains, ManyRounds) })
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"libvirt, {count} x {MemoryBytes >> 20} MiB: 1 warm-up + {total} rounds of each kind, alternately"));
                rounds[(DomainKind.Plain, count)] = [];
                rounds[(DomainKind.Persistent, count)] = [];
                _ = await RoundAsync(plain, count, "warm-up").ConfigureAwait(false);
                _ = await RoundAsync(kept, count, "warm-up").ConfigureAwait(false);
                for (var i = 0; i < total; i++)
                {
                    // Alternate which kind goes first, so drift in the machine's load hits both alike.
                    foreach (var domains in i % 2 == 0 ? new[] { kept, plain } : [plain, kept])
                    {
                        rounds[(domains[0].Kind, count)].Add(await RoundAsync(domains, count, string.Create(CultureInfo.InvariantCulture, $"round {i + 1}")).ConfigureAwait(false));
                    }
                }
            }

            AddFigures(result, rounds[(DomainKind.Persistent, 1)], rounds[(DomainKind.Plain, 1)], string.Empty, "1 domain");
            AddFigures(result, rounds[(DomainKind.Persistent, ManyDomains)], rounds[(DomainKind.Plain, ManyDomains)], $"_{ManyDomains}_domains",
                $"per domain, {ManyDomains} domains saved (restored) at once");
            AddNotes(result);
        }
        finally
        {
            foreach (var domain in plain.Concat(kept))
            {
                domain.Dispose();
            }
        }
    }

    private static void AddFigures(SuiteResult result, List<LibvirtSaveRound> kept, List<LibvirtSaveRound> plain, string suffix, string what)
    {
        result.Add(new Figure($"libvirt_save_ms{suffix}", PerDomain(kept, d => d.SaveMs), "ms",
            Note: $"persistent domain (RAM in the region): managed-save record written, then virsh managedsave to the domain shut off; {what}"));
        result.Add(new Figure($"plain_save_ms{suffix}", PerDomain(plain, d => d.SaveMs), "ms",
            Note: $"the same guest with ordinary RAM: virsh save FILE; {what}"));
        result.Add(new Figure($"libvirt_save_ratio{suffix}", Ratios(kept, plain, r => r.SaveAllMs), "ratio",
            Note: "median of per-round ratios, libvirt-managed over plain (round i of each kind, run back to back), of the time to save every domain of the round"));
        result.Add(new Figure($"libvirt_restore_ms{suffix}", PerDomain(kept, d => d.RestoreMs), "ms",
            Note: $"virsh start from the managed save (liveupdate-emulator checks the record, RAM stays in place) to the domain running; {what}"));
        result.Add(new Figure($"plain_restore_ms{suffix}", PerDomain(plain, d => d.RestoreMs), "ms",
            Note: $"virsh restore FILE (RAM read back from the image) to the domain running; {what}"));
        result.Add(new Figure($"libvirt_restore_ratio{suffix}", Ratios(kept, plain, r => r.RestoreAllMs), "ratio",
            Note: "median of per-round ratios, libvirt-managed over plain, of the time to restore every domain of the round"));

        result.AddBreakdown(Section, new Figure($"libvirt_image_bytes{suffix}", PerDomain(kept, d => d.ImageBytes), "bytes", Note: "managed-save image: device state only"));
        result.AddBreakdown(Section, new Figure($"plain_image_bytes{suffix}", PerDomain(plain, d => d.ImageBytes), "bytes", Note: "virsh save image: device state and guest RAM"));
        result.AddBreakdown(Section, new Figure($"libvirt_restore_to_tick_ms{suffix}", PerDomain(kept, d => d.RestoreToTickMs), "ms",
            Note: "virsh start's start to the guest's next TICK on its serial log, same boot, count continuing"));
        result.AddBreakdown(Section, new Figure($"plain_restore_to_tick_ms{suffix}", PerDomain(plain, d => d.RestoreToTickMs), "ms"));
        result.AddBreakdown(Section, new Figure($"libvirt_start_fresh_ms{suffix}", PerDomain(kept, d => d.StartMs), "ms",
            Note: "virsh start with no save (domains started one after the other): liveupdate-emulator and its QMP proxy on QEMU's way, no migration"));
        result.AddBreakdown(Section, new Figure($"plain_start_fresh_ms{suffix}", PerDomain(plain, d => d.StartMs), "ms"));
        if (suffix.Length > 0)
        {
            result.AddBreakdown(Section, new Figure($"libvirt_save_all_ms{suffix}", new Samples(kept.Select(r => r.SaveAllMs)), "ms", Note: "first save started to last one done"));
            result.AddBreakdown(Section, new Figure($"plain_save_all_ms{suffix}", new Samples(plain.Select(r => r.SaveAllMs)), "ms"));
            result.AddBreakdown(Section, new Figure($"libvirt_restore_all_ms{suffix}", new Samples(kept.Select(r => r.RestoreAllMs)), "ms"));
            result.AddBreakdown(Section, new Figure($"plain_restore_all_ms{suffix}", new Samples(plain.Select(r => r.RestoreAllMs)), "ms"));
        }
    }

    private static void AddNotes(SuiteResult result)
    {
        result.AddNote(string.Create(CultureInfo.InvariantCulture,
            $"libvirt part: {ManyDomains} persistent domains (<lu:persistent/>, <emulator> a shim that execs liveupdate-emulator with this run's daemon; /vm/UUID/memory owned by {LibvirtRegionHost.QemuUser}, as the hook makes it) and {ManyDomains} plain ones (same tickguest, {MemoryBytes >> 20} MiB, QEMU itself), on the host's libvirtd ({Virsh.Uri}, type='qemu', TCG); per kind 1 warm-up + {SingleRounds} rounds of 1 domain and 1 warm-up + {ManyRounds} rounds of {ManyDomains} at once, the kinds alternately"));
        result.AddNote("a libvirt round: virsh start of each domain (fresh boot) → every guest ticking → every save at once (plain: virsh save; persistent: the managed-save record into /vm/UUID/device-state, then virsh managedsave) → each domain shut off → every restore at once (virsh restore / virsh start) → each guest's next TICK with the same boot id and a higher count, its pattern verified (a guest that booted again fails the run) → virsh destroy");
        result.AddNote("both kinds' images go to /var/lib/libvirt/qemu/save on the same file system; the plain image holds the guest's RAM that is not zero (the tickguest's 32 MiB pattern), so a guest using more of its RAM makes the plain save and restore slower, not the persistent ones");
    }

    private static Samples PerDomain(List<LibvirtSaveRound> rounds, Func<DomainSaveRestore, double> value) => new(rounds.SelectMany(r => r.Domains).Select(value));

    private static Samples Ratios(List<LibvirtSaveRound> kept, List<LibvirtSaveRound> plain, Func<LibvirtSaveRound, double> value) =>
        new(kept.Zip(plain, (k, p) => value(k) / value(p)));

    private static void LogRound(TextWriter log, string label, LibvirtSaveRound r)
    {
        var kind = r.Kind == DomainKind.Persistent ? "libvirt-managed" : "plain";
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {r.Domains.Count} x {kind} {label}: fresh start {r.Domains.Max(d => d.StartMs):F0} ms (worst); save {r.SaveAllMs:F0} ms (per domain {string.Join(", ", r.Domains.Select(d => d.SaveMs.ToString("F0", CultureInfo.InvariantCulture)))}), {r.Domains[0].ImageBytes:N0} bytes; restore {r.RestoreAllMs:F0} ms (per domain {string.Join(", ", r.Domains.Select(d => d.RestoreMs.ToString("F0", CultureInfo.InvariantCulture)))}); restore→TICK {r.Domains.Max(d => d.RestoreToTickMs):F0} ms (worst)"));
    }
}
