using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>Sizes, durations, tables, enum names and the JSON writer.</summary>
public sealed class OutputTests
{
    [Theory]
    [InlineData(0UL, "0 B")]
    [InlineData(1023UL, "1023 B")]
    [InlineData(1024UL, "1.0 KiB")]
    [InlineData(5000UL, "4.9 KiB")]
    [InlineData(1048575UL, "1.0 MiB")]
    [InlineData(16UL << 30, "16.0 GiB")]
    [InlineData(3UL << 39, "1.5 TiB")]
    [InlineData(ulong.MaxValue, "16.0 EiB")]
    public void Size_IsHumanisedInBinaryUnits(ulong bytes, string expected) => Assert.Equal(expected, Humanize.Size(bytes));

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(0.0004, "400 µs")]
    [InlineData(0.012, "12 ms")]
    [InlineData(1.5, "1.50 s")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(43_200, "12 h")]
    [InlineData(5_400, "1 h 30 min")]
    [InlineData(604_800, "7 d")]
    public void Duration_IsHumanised(double seconds, string expected) => Assert.Equal(expected, Humanize.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Table_AlignsColumns_RightAlignsNumbers_AndLeavesNoTrailingBlanks()
    {
        var table = Table.WithHeaders("NAME", "SIZE", "NOTE").AlignRight(1);
        table.Add("ram", "16.0 GiB", "-");
        table.Add("device-state", "4.0 KiB", "");
        var output = new StringWriter { NewLine = "\n" };
        table.Write(output, "  ");

        Assert.Equal(
            "  NAME              SIZE  NOTE\n" +
            "  ram           16.0 GiB  -\n" +
            "  device-state   4.0 KiB\n",
            output.ToString());
    }

    [Fact]
    public void EnumNames_AreTheProtoNamesWithoutTheTypePrefix()
    {
        Assert.Equal("FROZEN", EnumNames.Of(FreezePhase.Frozen));
        Assert.Equal("WAITING_FOR_ACKS", EnumNames.Of(FreezePhase.WaitingForAcks));
        Assert.Equal("PLANNED_UPDATE", EnumNames.Of(ReconcileCause.PlannedUpdate));
        Assert.Equal("GUEST_MEMORY", EnumNames.Of(FileKind.GuestMemory));
        Assert.Equal("UNSPECIFIED", EnumNames.Of(FileKind.Unspecified));
        Assert.Equal("ACTIVE", EnumNames.Of(LifecycleState.Active));
        Assert.Equal("DEVDAX", EnumNames.Of(Backend.Devdax));
        Assert.Equal("RESUMABLE", EnumNames.Of(VmVerdictKind.Resumable));
        Assert.Equal("42", EnumNames.Of((FileKind)42));
    }

    [Fact]
    public void ProtoJson_UsesProtoNames_NumbersForUint64_NamesForEnums_SecondsForDurations_NullForUnsetMessages()
    {
        var progress = new FreezeProgress
        {
            Phase = FreezePhase.Frozen,
            Elapsed = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)),
            Generation = ulong.MaxValue - 1,
            Message = "sealed <ok> & done",
        };
        progress.Acked.Add(new VmmRef { VmUuid = "u1", Name = "vm-a", Connected = true });
        var status = new LifecycleStatus { StateChangedAt = Timestamp.FromDateTime(new DateTime(2026, 3, 1, 2, 59, 58, 250, DateTimeKind.Utc)) };

        var progressJson = JsonDocument.Parse(Render(progress)).RootElement;
        var statusJson = JsonDocument.Parse(Render(status)).RootElement;

        Assert.Equal(["phase", "acked", "pending", "message", "elapsed_seconds", "generation", "forced"], progressJson.EnumerateObject().Select(p => p.Name));
        Assert.Equal("FROZEN", progressJson.GetProperty("phase").GetString());
        Assert.Equal(1.5, progressJson.GetProperty("elapsed_seconds").GetDouble());
        Assert.Equal(ulong.MaxValue - 1, progressJson.GetProperty("generation").GetUInt64());
        Assert.Equal("vm-a", progressJson.GetProperty("acked")[0].GetProperty("name").GetString());
        Assert.Equal("sealed <ok> & done", progressJson.GetProperty("message").GetString());
        Assert.Contains("sealed <ok> & done", Render(progress), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, statusJson.GetProperty("last_reconcile").ValueKind);
        Assert.Equal("2026-03-01T02:59:58.25Z", statusJson.GetProperty("state_changed_at").GetString());
        Assert.Equal("UNSPECIFIED", statusJson.GetProperty("state").GetString());
    }

    private static string Render(Google.Protobuf.IMessage message)
    {
        var output = new StringWriter();
        JsonOutput.Write(output, message);
        return output.ToString();
    }
}
