using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>
/// A test VMM inside the test process: its own client, a RegisterVmm session, and an ack when the test says so (after
/// PREPARE_FOR_UPDATE has arrived), so that a test can hold the freeze barrier at a chosen step.
/// </summary>
public sealed class InProcessVmm : IAsyncDisposable
{
    private readonly LiveUpdateClient _client;
    private readonly VmmSession _session;

    private InProcessVmm(LiveUpdateClient client, VmmSession session, string name)
    {
        _client = client;
        _session = session;
        Name = name;
    }

    public string Name { get; }

    public Guid Vm => _session.VmUuid;

    public static async Task<InProcessVmm> RegisterAsync(DaemonFixture fixture, string name)
    {
        var client = fixture.NewClient();
        var session = await client.RegisterVmmAsync(Guid.NewGuid(), name);
        return new InProcessVmm(client, session, name);
    }

    /// <summary>Waits for PREPARE_FOR_UPDATE, then acks (as a VMM does after pausing and saving its state).</summary>
    public async Task AckWhenPreparedAsync()
    {
        var prepare = await _session.WaitForAsync(VmmEventKind.PrepareForUpdate);
        Assert.NotNull(prepare);
        await _client.AckFreezeAsync(Vm);
    }

    /// <summary>Waits for the next event of <paramref name="kind"/>.</summary>
    public Task<VmmEvent?> WaitForAsync(VmmEventKind kind) => _session.WaitForAsync(kind);

    public async ValueTask DisposeAsync()
    {
        _session.Dispose();
        await _client.DisposeAsync();
    }
}
