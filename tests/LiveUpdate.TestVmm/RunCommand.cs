using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.TestVmm;

/// <summary>
/// <c>run</c>: a VM as a VMM runs it. Registers, creates and maps the guest memory and fills it with the pattern, then
/// follows the daemon's events until stdin closes or the stream ends; on PREPARE_FOR_UPDATE it saves its device state
/// into a DEVICE_STATE file through a mapped descriptor and acks (unless --no-ack).
/// </summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(VmmArguments arguments)
    {
        // Not disposed: the watcher may cancel it at any time until the process exits.
        var stdinClosed = new CancellationTokenSource();
        _ = Task.Run(() => WatchStandardInputAsync(stdinClosed));

        await using var client = Vmm.Connect(arguments);
        using var session = await client.RegisterVmmAsync(arguments.Vm, arguments.Name);
        Steps.Write("REGISTERED", $"vm={arguments.Vm:D} name={arguments.Name}");

        await EnsureDirectoryAsync(client, "/vm");
        await EnsureDirectoryAsync(client, arguments.VmDirectory);
        var created = await client.CreateFileAsync(arguments.MemoryPath, arguments.MemoryBytes, FileKind.GuestMemory, arguments.Vm);
        using var memory = await client.MapAsync(arguments.MemoryPath, writable: true, prefault: true);
        Pattern.Fill(memory, arguments.Seed);
        Steps.Write("READY", $"path={arguments.MemoryPath} bytes={created.SizeBytes} extents={created.Extents.Count} seed={arguments.Seed.ToString(CultureInfo.InvariantCulture)}");

        while (true)
        {
            VmmEvent? e;
            try
            {
                e = await session.ReadAsync(stdinClosed.Token);
            }
            catch (Exception) when (stdinClosed.IsCancellationRequested)
            {
                Steps.Write("EXIT", "stdin closed");
                return 0;
            }
            catch (LiveUpdateException ex)
            {
                Steps.Write("LOST", $"{ex.Error} {ex.Message}");
                return 1;
            }

            if (e is null)
            {
                Steps.Write("ENDED", "the daemon ended the stream");
                return 0;
            }

            switch (e.Kind)
            {
                case VmmEventKind.PrepareForUpdate:
                    Steps.Write("PREPARE", $"generation={e.Generation} state={e.State}");
                    if (!arguments.NoAck)
                    {
                        await SaveAndAckAsync(client, arguments);
                    }

                    break;
                case VmmEventKind.Thawed:
                    Steps.Write("THAWED", $"state={e.State}");
                    break;
                case VmmEventKind.ReclaimReady:
                    Steps.Write("RECLAIM_READY", $"verdict={e.Verdict}");
                    break;
                default:
                    Steps.Write("EVENT", e.Kind.ToString());
                    break;
            }
        }
    }

    /// <summary>
    /// Pauses (nothing to pause here), writes the device state into its DEVICE_STATE file (created now, or kept from an
    /// abandoned freeze) through a mapped descriptor, and acks naming it. A refusal is printed, not fatal.
    /// </summary>
    private static async Task SaveAndAckAsync(LiveUpdateClient client, VmmArguments arguments)
    {
        try
        {
            try
            {
                await client.CreateFileAsync(arguments.DeviceStatePath, arguments.DeviceStateBytes, FileKind.DeviceState, arguments.Vm);
            }
            catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.AlreadyExists)
            {
                // Saved for an earlier freeze that was abandoned: overwrite it.
            }

            using (var state = await client.MapAsync(arguments.DeviceStatePath, writable: true))
            {
                Pattern.Fill(state, Pattern.DeviceStateSeed(arguments.Seed));
                Steps.Write("STATE_SAVED", $"path={arguments.DeviceStatePath} bytes={state.Length}");
            }

            var ack = await client.AckFreezeAsync(arguments.Vm, arguments.DeviceStatePath);
            Steps.Write("ACKED", $"pending={ack.Pending}");
        }
        catch (LiveUpdateException ex)
        {
            Steps.Write("ACK_FAILED", $"{ex.Error} {ex.Message}");
        }
    }

    private static async Task EnsureDirectoryAsync(LiveUpdateClient client, string path)
    {
        try
        {
            await client.MakeDirectoryAsync(path);
        }
        catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.AlreadyExists)
        {
            // Another VMM made it first.
        }
    }

    /// <summary>Cancels <paramref name="closed"/> when stdin reaches its end (the test closed it, or died).</summary>
    private static async Task WatchStandardInputAsync(CancellationTokenSource closed)
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (await stdin.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
        }

        await closed.CancelAsync();
    }
}
