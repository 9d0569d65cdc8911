using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>
/// reconcile, gc and check against a real daemon whose inventory is libvirt's test driver: web-01 (defined, marked, with
/// files) is RESUMABLE, a VM libvirt does not know is ORPHANED and quarantined, db-02 (marked, no files) is MISSING.
/// </summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ReconcileCommandTests(LibvirtDaemonFixture fixture) : IClassFixture<LibvirtDaemonFixture>
{
    private static readonly Guid s_ghost = Guid.Parse("6f1e0c6a-8d2b-4c7e-9a51-0b7d3c2e1f99");

    [Fact(Timeout = 60_000)]
    public async Task Reconcile_DryRunThenReal_SummarisesVerdictsFilesAndQuarantine_ThenGcDeletesByAge()
    {
        var client = fixture.Client;
        await client.MakeDirectoryAsync("/vm");
        await client.MakeDirectoryAsync("/vm/web-01");
        await client.MakeDirectoryAsync("/vm/ghost");
        await client.CreateFileAsync("/vm/web-01/ram", 4 * DaemonFixture.MiB, FileKind.GuestMemory, LibvirtDaemonFixture.Web);
        await client.CreateFileAsync("/vm/web-01/state", 8192, FileKind.DeviceState, LibvirtDaemonFixture.Web);
        await client.CreateFileAsync("/vm/ghost/ram", 2 * DaemonFixture.MiB, FileKind.GuestMemory, s_ghost);

        var dry = await fixture.RunAsync("reconcile", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Matches(@"^reconcile: OPERATOR \(dry run\) at \S+ \S+: 1 resumable, 1 orphaned, 1 missing, 0 problems, \d+ warnings? \(", dry.Stdout);
        Assert.Matches($@"(?m)^  boot ids +previous \S+, current {File.ReadAllText(fixture.Daemon.BootIdPath).Trim()}$", dry.Stdout);
        Assert.Matches(@"(?m)^  inventory +libvirt test:///\S+/node\.xml \(read in ", dry.Stdout);
        Assert.Matches(@"(?m)^  check +\S+ \S+$", dry.Stdout); // an operator's reconcile checks afresh: no "made at attach"
        Assert.Matches($@"(?m)^  RESUMABLE +web-01 +{LibvirtDaemonFixture.Web}", dry.Stdout);
        Assert.Matches($@"(?m)^  ORPHANED +- +{s_ghost}", dry.Stdout);
        Assert.Matches($@"(?m)^  MISSING +db-02 +{LibvirtDaemonFixture.Db}", dry.Stdout);
        Assert.Matches(@"(?m)^ +GUEST_MEMORY +4\.0 MiB +/vm/web-01/ram +-$", dry.Stdout);
        Assert.Matches(@"(?m)^ +DEVICE_STATE +8\.0 KiB +/vm/web-01/state +-$", dry.Stdout);
        Assert.Matches(@"(?m)^ +GUEST_MEMORY +2\.0 MiB +/vm/ghost/ram +-$", dry.Stdout);

        var dryJson = (await fixture.RunAsync("reconcile", "--dry-run", "--json")).Json;
        Assert.True(dryJson.GetProperty("dry_run").GetBoolean());
        Assert.Equal("OPERATOR", dryJson.GetProperty("cause").GetString());
        Assert.Equal(1, dryJson.GetProperty("resumable").GetInt32());
        Assert.Equal(1, dryJson.GetProperty("orphaned").GetInt32());
        Assert.Equal(1, dryJson.GetProperty("missing").GetInt32());
        Assert.Empty(dryJson.GetProperty("problems").EnumerateArray());
        var verdicts = dryJson.GetProperty("vms").EnumerateArray().ToDictionary(v => v.GetProperty("vm_uuid").GetString()!, v => v.GetProperty("verdict").GetString());
        Assert.Equal("RESUMABLE", verdicts[LibvirtDaemonFixture.Web.ToString()]);
        Assert.Equal("ORPHANED", verdicts[s_ghost.ToString()]);
        Assert.Equal("MISSING", verdicts[LibvirtDaemonFixture.Db.ToString()]);
        foreach (var field in new[] { "kexec_detected", "previous_boot_id", "current_boot_id", "journal_transactions_replayed", "warnings",
                     "duration_seconds", "inventory_duration_seconds", "inventory", "finished_at", "state", "check_duration_seconds" })
        {
            Assert.True(dryJson.TryGetProperty(field, out _), $"no {field} in {dryJson}");
        }

        Assert.True(await ExistsAsync("/vm/ghost/ram"), "a dry run moved a file");

        // The real reconcile quarantines the ghost's file and says where it went.
        var real = await fixture.RunAsync("reconcile", "--json");
        Assert.True(real.ExitCode == 0, real.ToString());
        var ghost = real.Json.GetProperty("vms").EnumerateArray().Single(v => v.GetProperty("vm_uuid").GetString() == s_ghost.ToString());
        var quarantined = Assert.Single(ghost.GetProperty("files").EnumerateArray().ToArray()).GetProperty("quarantine_path").GetString();
        Assert.False(string.IsNullOrEmpty(quarantined), ghost.ToString());
        Assert.True(await ExistsAsync(quarantined!));
        Assert.False(await ExistsAsync("/vm/ghost/ram"));
        Assert.Contains("last reconcile: OPERATOR at ", (await fixture.RunAsync("status")).Stdout, StringComparison.Ordinal);

        // gc: the file was quarantined just now, so a week's age keeps it, a dry run lists it, and 0 deletes it.
        var week = await fixture.RunAsync("gc", "--older-than", "7d");
        Assert.True(week.ExitCode == 0, week.ToString());
        Assert.Equal("gc: removed 0 quarantined files (0 B); kept 1 younger than 7 d\n", week.Stdout);

        var wouldJson = (await fixture.RunAsync("gc", "--older-than", "0", "--dry-run", "--json")).Json;
        Assert.Equal([quarantined!], wouldJson.GetProperty("removed").EnumerateArray().Select(p => p.GetString()));
        Assert.True(wouldJson.GetProperty("dry_run").GetBoolean());
        Assert.Equal(0, wouldJson.GetProperty("older_than_seconds").GetDouble());
        Assert.True(await ExistsAsync(quarantined!));

        var gc = await fixture.RunAsync("gc", "--older-than", "0");
        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Equal($"gc: removed 1 quarantined file (2.0 MiB); kept 0 younger than 0 s\n  {quarantined}\n", gc.Stdout);
        Assert.False(await ExistsAsync(quarantined!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Check_CleanRegion_ExitsZero_HumanAndJson()
    {
        var human = await fixture.RunAsync("check");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.StartsWith("check: clean\n", human.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  \d+ inodes?, [\d.]+ \S+ used, [\d.]+ \S+ free of 256\.0 MiB; took ", human.Stdout);

        var json = (await fixture.RunAsync("check", "--repair", "--json")).Json;
        Assert.True(json.GetProperty("clean").GetBoolean());
        Assert.True(json.GetProperty("repair_requested").GetBoolean());
        Assert.Equal(268435456UL, json.GetProperty("total_bytes").GetUInt64());
        foreach (var field in new[] { "problems", "notes", "inodes", "used_bytes", "free_bytes", "duration_seconds" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"no {field} in {json}");
        }
    }

    private async Task<bool> ExistsAsync(string path) => (await fixture.RunAsync("stat", path)).ExitCode == 0;
}
