using System.Text;
using LiveUpdate.Qemu.Core;

namespace LiveUpdate.Libvirt.Agent.Tests;

/// <summary>The managed-save record: its text form, what it refuses to read, and the stale-memory check.</summary>
public sealed class ManagedSaveRecordTests
{
    private static readonly Guid s_domain = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid s_memory = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid s_node1 = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000002");

    [Fact]
    public void Encode_WritesTheNormativeLines_AndParseReadsThemBack()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, Guid> { ["memory-node1"] = s_node1, ["memory-node0"] = s_memory },
            DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_123));

        string text = Encoding.UTF8.GetString(record.Encode());

        Assert.Equal(
            "liveupdate-libvirt managed-save 1\n" +
            "domain 11111111-2222-3333-4444-555555555555\n" +
            "memory-node0 aaaaaaaa-0000-0000-0000-000000000001\n" +
            "memory-node1 aaaaaaaa-0000-0000-0000-000000000002\n" +
            "saved-at-unix-ms 1765000000123\n", text);
        var back = ManagedSaveRecord.Parse(record.Encode());
        Assert.Equal(s_domain, back.Domain);
        Assert.Equal(record.SavedAt, back.SavedAt);
        Assert.Equal(record.Memory.OrderBy(m => m.Key), back.Memory.OrderBy(m => m.Key));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("liveupdate-libvirt managed-save 2\n", "does not start with")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nsaved-at-unix-ms 1\n", "lacks")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain nope\nmemory aaaaaaaa-0000-0000-0000-000000000001\nsaved-at-unix-ms 1\n", "not a UUID")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory aaaaaaaa-0000-0000-0000-000000000001\nmemory aaaaaaaa-0000-0000-0000-000000000001\nsaved-at-unix-ms 1\n", "repeated")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory aaaaaaaa-0000-0000-0000-000000000001\nmemory-node0 aaaaaaaa-0000-0000-0000-000000000001\nsaved-at-unix-ms 1\n", "both")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory-node01 aaaaaaaa-0000-0000-0000-000000000001\nsaved-at-unix-ms 1\n", "unexpected")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory aaaaaaaa-0000-0000-0000-000000000001\nsaved-at-unix-ms -5\n", "not a time")]
    public void Parse_RefusesWhatIsNotARecord_SayingWhy(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => ManagedSaveRecord.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_IsNullForTheSameInstances_AndNamesARecreatedGoneOrNewFile()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, Guid> { ["memory"] = s_memory }, DateTimeOffset.UnixEpoch);

        Assert.Null(record.Mismatch(s_domain, new Dictionary<string, Guid> { ["memory"] = s_memory }));
        Assert.Contains("recreated since the managed save", record.Mismatch(s_domain, new Dictionary<string, Guid> { ["memory"] = s_node1 }), StringComparison.Ordinal);
        Assert.Contains("is gone", record.Mismatch(s_domain, new Dictionary<string, Guid>()), StringComparison.Ordinal);
        Assert.Contains("did not exist", record.Mismatch(s_domain, new Dictionary<string, Guid> { ["memory"] = s_memory, ["memory-node1"] = s_node1 }), StringComparison.Ordinal);
        Assert.Contains("names domain", record.Mismatch(Guid.NewGuid(), new Dictionary<string, Guid> { ["memory"] = s_memory }), StringComparison.Ordinal);
    }
}
