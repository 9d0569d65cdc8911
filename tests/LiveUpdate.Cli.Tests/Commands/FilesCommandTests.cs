using System.Text.Json;
using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>status, region, create, mkdir, ls, stat and rm against a real daemon: the facts in the tables, the JSON fields, the exit codes.</summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class FilesCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const string Vm = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    [Fact(Timeout = 60_000)]
    public async Task Region_ShowsTheFacts_AndJsonCarriesEveryDocumentedField()
    {
        var human = await fixture.RunAsync("region");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Matches(@"(?m)^backend +FILE$", human.Stdout);
        Assert.Matches($@"(?m)^path +{fixture.Daemon.RegionPath}$", human.Stdout);
        Assert.Matches(@"(?m)^size +256\.0 MiB \(268435456 bytes\)$", human.Stdout);
        Assert.Matches(@"(?m)^physical base +0x100000000 \(simulated", human.Stdout);
        Assert.Matches(@"(?m)^granules +4\.0 KiB small, 2\.0 MiB large$", human.Stdout);

        var json = (await fixture.RunAsync("region", "--json")).Json;
        var region = await fixture.Client.GetRegionAsync();
        Assert.Equal("FILE", json.GetProperty("backend").GetString());
        Assert.Equal(fixture.Daemon.RegionPath, json.GetProperty("path").GetString());
        Assert.Equal(268435456UL, json.GetProperty("size_bytes").GetUInt64());
        Assert.Equal(region.PhysicalBase, json.GetProperty("physical_base").GetUInt64());
        Assert.True(json.GetProperty("physical_base_simulated").GetBoolean());
        Assert.Equal(region.RegionUuid, json.GetProperty("region_uuid").GetString());
        Assert.Equal("ACTIVE", json.GetProperty("state").GetString());
        foreach (var field in new[] { "used_bytes", "free_bytes", "small_granule_bytes", "large_granule_bytes", "format_version", "generation",
                     "boot_id", "previous_boot_id", "file_count", "directory_count", "largest_free_extent_bytes", "metadata_bytes" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"no {field} in {json}");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Status_ShowsStateAndBootId_AndJsonCarriesTheDocumentedFields()
    {
        string bootId = File.ReadAllText(fixture.Daemon.BootIdPath).Trim();

        var human = await fixture.RunAsync("status");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Matches(@"(?m)^state +ACTIVE\b", human.Stdout);
        Assert.Matches($@"(?m)^boot id +{bootId}$", human.Stdout);
        Assert.Matches(@"(?m)^kexec detected +no$", human.Stdout);
        Assert.Contains("VMMs: none registered", human.Stdout, StringComparison.Ordinal);

        var json = (await fixture.RunAsync("status", "--json")).Json;
        Assert.Equal("ACTIVE", json.GetProperty("state").GetString());
        Assert.Equal(bootId, json.GetProperty("boot_id").GetString());
        Assert.False(json.GetProperty("kexec_detected").GetBoolean());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("vmms").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("generation").ValueKind);
        foreach (var field in new[] { "previous_boot_id", "reconcile_cause", "last_reconcile", "state_changed_at", "inventory" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"no {field} in {json}");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateStatLsRm_PrintTheFacts_AndJsonMatchesTheDaemon()
    {
        var created = await fixture.RunAsync("create", "/files/web/ram", "--size", "64MiB", "--kind", "guest-memory", "--vm", Vm, "-p");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.StartsWith($"created /files/web/ram: GUEST_MEMORY, 64.0 MiB in 1 extent, inode ", created.Stdout, StringComparison.Ordinal);
        Assert.Contains($", VM {Vm}", created.Stdout, StringComparison.Ordinal);

        var blob = (await fixture.RunAsync("create", "/files/web/notes", "--size", "5000", "--kind", "BLOB", "--json")).Json;
        Assert.Equal("/files/web/notes", blob.GetProperty("path").GetString());
        Assert.Equal("BLOB", blob.GetProperty("kind").GetString());
        Assert.Equal(5000UL, blob.GetProperty("size_bytes").GetUInt64());

        var actual = await fixture.Client.StatAsync("/files/web/ram");
        var extent = Assert.Single(actual.Extents);

        var stat = await fixture.RunAsync("stat", "/files/web/ram");
        Assert.True(stat.ExitCode == 0, stat.ToString());
        Assert.Matches(@"(?m)^kind +GUEST_MEMORY$", stat.Stdout);
        Assert.Matches(@"(?m)^size +64\.0 MiB \(67108864 bytes\)$", stat.Stdout);
        Assert.Matches($@"(?m)^vm uuid +{Vm}$", stat.Stdout);
        Assert.Matches($@"(?m)^inode +{actual.Inode}$", stat.Stdout);
        Assert.Matches(@"(?m)^mode +0600$", stat.Stdout);
        Assert.Matches($@"(?m)^instance id +{actual.InstanceId}$", stat.Stdout);
        Assert.Matches($@"(?m)^ +0x0 +0x{extent.RegionOffset:x} +0x4000000 +64\.0 MiB$", stat.Stdout);

        var json = (await fixture.RunAsync("stat", "/files/web/ram", "--json")).Json;
        Assert.Equal("/files/web/ram", json.GetProperty("path").GetString());
        Assert.Equal(actual.Inode, json.GetProperty("inode").GetUInt64());
        Assert.Equal("GUEST_MEMORY", json.GetProperty("kind").GetString());
        Assert.Equal(67108864UL, json.GetProperty("size_bytes").GetUInt64());
        Assert.Equal(Vm, json.GetProperty("vm_uuid").GetString());
        Assert.Equal(384U, json.GetProperty("mode").GetUInt32());
        Assert.Equal(actual.InstanceId, json.GetProperty("instance_id").GetString());
        Assert.True(Guid.TryParseExact(actual.InstanceId, "D", out var instance) && instance != Guid.Empty, $"instance id '{actual.InstanceId}'");
        var jsonExtent = Assert.Single(json.GetProperty("extents").EnumerateArray().ToArray());
        Assert.Equal(0UL, jsonExtent.GetProperty("file_offset").GetUInt64());
        Assert.Equal(extent.RegionOffset, jsonExtent.GetProperty("region_offset").GetUInt64());
        Assert.Equal(extent.Length, jsonExtent.GetProperty("length").GetUInt64());
        foreach (var field in new[] { "owner_uid", "created_at", "modified_at", "generation", "dma_mapped_bytes", "allocated_bytes" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"no {field} in {json}");
        }

        var ls = await fixture.RunAsync("ls", "/files");
        Assert.Equal("web/\n", ls.Stdout);
        var names = await fixture.RunAsync("ls", "/files/web");
        Assert.Equal("notes\nram\n", names.Stdout);
        var longList = await fixture.RunAsync("ls", "-l", "/files/web");
        Assert.Matches($@"(?m)^GUEST_MEMORY +0600 +0 +64\.0 MiB +1 +{Vm} +\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ +ram$", longList.Stdout);
        Assert.Matches(@"(?m)^BLOB +0600 +0 +4\.9 KiB +1 +- +\S+ \S+ +notes$", longList.Stdout);
        var lsJson = (await fixture.RunAsync("ls", "/files/web", "--json")).Json;
        Assert.Equal("/files/web", lsJson.GetProperty("path").GetString());
        Assert.Equal(["/files/web/notes", "/files/web/ram"], lsJson.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("path").GetString()));

        var removed = await fixture.RunAsync("rm", "/files/web/notes");
        Assert.Equal("removed /files/web/notes\n", removed.Stdout);
        var removedJson = (await fixture.RunAsync("rm", "/files/web/ram", "--json")).Json;
        Assert.Equal("/files/web/ram", removedJson.GetProperty("path").GetString());
        Assert.True(removedJson.GetProperty("removed").GetBoolean());
        Assert.Empty(await fixture.Client.ListAsync("/files/web"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Mkdir_CreatesDirectories_AndParentsOnDemand()
    {
        var made = await fixture.RunAsync("mkdir", "-p", "/made/a/b");
        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.StartsWith("directory /made/a/b", made.Stdout, StringComparison.Ordinal);
        Assert.Equal(FileKind.Directory, (await fixture.Client.StatAsync("/made/a")).Kind);

        var again = await fixture.RunAsync("mkdir", "-p", "/made/a/b", "--json");
        Assert.Equal("DIRECTORY", again.Json.GetProperty("kind").GetString());
        var exists = await fixture.RunAsync("mkdir", "/made/a");
        Assert.True(exists.ExitCode == 1, exists.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task DaemonRefusals_AreOneLine_WithTheStatusAndTheDocumentedExitCode()
    {
        await fixture.Client.MakeDirectoryAsync("/refusals");
        await fixture.Client.CreateFileAsync("/refusals/taken", 4096, FileKind.Blob);

        var missing = await fixture.RunAsync("stat", "/refusals/none");
        AssertOneLineError(missing, 1, "luctl: stat: NOT_FOUND: ");

        var taken = await fixture.RunAsync("create", "/refusals/taken", "--size", "4K", "--kind", "blob");
        AssertOneLineError(taken, 1, "luctl: create: ALREADY_EXISTS: ");

        var unaligned = await fixture.RunAsync("create", "/refusals/ram", "--size", "3M", "--kind", "guest-memory");
        AssertOneLineError(unaligned, 2, "luctl: create: INVALID_ARGUMENT: ");

        var notEmpty = await fixture.RunAsync("rm", "/refusals");
        AssertOneLineError(notEmpty, 4, "luctl: rm: FAILED_PRECONDITION: ");

        var full = await fixture.RunAsync("create", "/refusals/huge", "--size", "1T", "--kind", "guest-memory");
        AssertOneLineError(full, 1, "luctl: create: RESOURCE_EXHAUSTED: ");
    }

    internal static void AssertOneLineError(LuctlResult result, int exitCode, string prefix)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(prefix, line, StringComparison.Ordinal);
    }
}
