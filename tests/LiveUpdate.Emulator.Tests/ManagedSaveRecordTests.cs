using System.Text;
using LiveUpdate.Qemu;

namespace LiveUpdate.Emulator.Tests;

public sealed class ManagedSaveRecordTests
{
    private static readonly Guid s_domain = Guid.Parse("11111111-2222-3333-4444-555555555555");

    [Fact]
    public void Format_IsTheDocumentedText()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, string> { ["memory-node1"] = "b", ["memory-node0"] = "a" }, 1234);

        Assert.Equal(
            "liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory-node0 a\nmemory-node1 b\nsaved-at-unix-ms 1234\n",
            record.Format());
    }

    [Fact]
    public void Parse_ReadsWhatFormatWrote()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, string> { ["memory"] = "0f3c" }, 99);

        var parsed = ManagedSaveRecord.Parse(record.ToBytes());

        Assert.Equal(record.Format(), parsed.Format());
        Assert.Null(parsed.Mismatch(s_domain, new Dictionary<string, string> { ["memory"] = "0f3c" }));
    }

    [Theory]
    [InlineData("", "not a managed-save record")]
    [InlineData("QEVM\u0003", "not a managed-save record")]
    [InlineData("liveupdate-libvirt managed-save 2\n", "not a managed-save record")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain x\n", "is not a UUID")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nsaved-at-unix-ms 1\n", "lacks")]
    [InlineData("liveupdate-libvirt managed-save 1\ndomain 11111111-2222-3333-4444-555555555555\nmemory a\nmemory b\nsaved-at-unix-ms 1\n", "twice")]
    [InlineData("liveupdate-libvirt managed-save 1\ncolour blue\n", "not one the format has")]
    public void Parse_NotARecord_SaysWhy(string text, string why) =>
        Assert.Contains(why, Assert.Throws<FormatException>(() => ManagedSaveRecord.Parse(Encoding.UTF8.GetBytes(text))).Message, StringComparison.Ordinal);

    [Fact]
    public void Mismatch_RecreatedFile_NamesBothInstances()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, string> { ["memory"] = "old" }, 1);

        string? why = record.Mismatch(s_domain, new Dictionary<string, string> { ["memory"] = "new" });

        Assert.Contains("another instance of /vm/11111111-2222-3333-4444-555555555555/memory (instance old, now new", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_OtherDomainOrLayout_IsRefused()
    {
        var record = new ManagedSaveRecord(s_domain, new Dictionary<string, string> { ["memory-node0"] = "a" }, 1);

        Assert.Contains("taken for domain", record.Mismatch(Guid.NewGuid(), new Dictionary<string, string> { ["memory-node0"] = "a" }), StringComparison.Ordinal);
        Assert.Contains("does not know", record.Mismatch(s_domain, new Dictionary<string, string> { ["memory-node0"] = "a", ["memory-node1"] = "b" }), StringComparison.Ordinal);
        Assert.Contains("which is gone", record.Mismatch(s_domain, new Dictionary<string, string>()), StringComparison.Ordinal);
    }
}
