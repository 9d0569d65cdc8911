using System.Diagnostics;
using System.Text.Json.Nodes;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu.DeviceState;
using LiveUpdate.Qemu.Qmp;

namespace LiveUpdate.Qemu;

/// <summary>The VMM side of the live update: registration, PREPARE_FOR_UPDATE (stop, save, ack), THAWED (cont), resume.</summary>
internal sealed partial class Supervisor
{
    private static readonly TimeSpan s_migrationTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the first registration waits for the daemon (after a kexec it may still be reconciling); later ones wait as long as QEMU runs.</summary>
    private static readonly TimeSpan s_firstRegistrationTimeout = TimeSpan.FromSeconds(60);

    /// <summary>True while the guest is paused for a freeze (stopped by us, until THAWED or the end).</summary>
    private volatile bool _paused;

    /// <summary>Registers as the VM's VMM, retrying while the daemon is unavailable (starting, reconciling, restarting).</summary>
    private async Task<VmmSession> RegisterAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return await _client.RegisterVmmAsync(_options.Vm, _options.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (LiveUpdateException e) when (_qemu is not null || (e.Error == LiveUpdateError.Unavailable && Stopwatch.GetElapsedTime(_started) < s_firstRegistrationTimeout))
            {
                // Once QEMU runs the VM needs its registration whatever went wrong: keep trying, and say why when it is not just a daemon away.
                if (e.Error != LiveUpdateError.Unavailable)
                {
                    _log.Line($"registration refused ({e.Message}); trying again");
                    delay = TimeSpan.FromSeconds(1);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
    }

    /// <summary>
    /// Follows the daemon's events while QEMU runs; registers again whenever the stream ends (a daemon restart) or an
    /// event could not be handled because the daemon went away. REPLACED ends it: another VMM of the same owner
    /// registered for this VM and now answers its freezes; registering again would take the VM back from it, and two
    /// supervisors would replace each other forever.
    /// </summary>
    private async Task FollowDaemonAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var e = await _session!.ReadAsync(cancellationToken).ConfigureAwait(false);
                switch (e?.Kind)
                {
                    case null:
                        await RegisterAgainAsync("the daemon ended the registration", cancellationToken).ConfigureAwait(false);
                        break;
                    case VmmEventKind.PrepareForUpdate:
                        await FreezeAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case VmmEventKind.Thawed:
                        await ThawAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case VmmEventKind.Replaced:
                        _log.Line($"{e.Message}; this supervisor no longer answers the daemon for the VM (QEMU keeps running)");
                        return;
                    default:
                        break;
                }
            }
            catch (LiveUpdateException ex)
            {
                await RegisterAgainAsync($"lost the daemon ({ex.Error})", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RegisterAgainAsync(string why, CancellationToken cancellationToken)
    {
        _log.Line($"{why}; registering again");
        _session!.Dispose();
        _session = await RegisterAsync(cancellationToken).ConfigureAwait(false);
        _log.Line("registered again");
        await ThawIfAbandonedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PREPARE_FOR_UPDATE: stop, save the device state (RAM skipped) through the daemon, ack. On failure: cont, and fail the freeze.</summary>
    private async Task FreezeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan stop = TimeSpan.Zero, save;
        long bytes;
        try
        {
            if (!_paused)
            {
                await _qmp!.ExecuteAsync("stop", cancellationToken: cancellationToken).ConfigureAwait(false);
                _paused = true;
                stop = Stopwatch.GetElapsedTime(started);
            }

            bytes = await SaveAsync(cancellationToken).ConfigureAwait(false);
            save = Stopwatch.GetElapsedTime(started) - stop;
        }
        catch (Exception e) when (e is QmpException or LiveUpdateException or IOException or TimeoutException)
        {
            _runtime!.RemoveMigrationFile();
            string reason = $"liveupdate-qemu could not save VM {_options.Vm:D}: {e.Message}";
            _log.Line($"the freeze failed ({e.Message}); the guest runs on");
            await ContinueAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _client.FailFreezeAsync(_options.Vm, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (LiveUpdateException failed)
            {
                _log.Line($"could not tell the daemon: {failed.Message}");
            }

            return;
        }

        var acking = Stopwatch.GetTimestamp();
        try
        {
            await _client.AckFreezeAsync(_options.Vm, _options.DeviceStatePath, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e)
        {
            // The freeze is over without us (timed out, thawed): THAWED follows, and resumes the guest.
            _log.Line($"AckFreeze refused ({e.Message}); the guest stays paused until THAWED");
            return;
        }

        _log.Frozen(Stopwatch.GetElapsedTime(started), stop, save, bytes, Stopwatch.GetElapsedTime(acking));
    }

    /// <summary>
    /// Migrates the device state (guest RAM skipped: x-ignore-shared) into the migration file after room for the
    /// header, writes the header, and streams the whole into /vm/{uuid}/device-state; returns its size. QEMU writes a
    /// file: a file: URI is what QEMU's own CPR uses, it needs no descriptor passing over QMP, and the state is small
    /// (hundreds of KB) in a private tmpfs directory; the file is removed once streamed.
    /// </summary>
    private async Task<long> SaveAsync(CancellationToken cancellationToken)
    {
        string path = _runtime!.MigrationPath;
        await MigrateAsync("migrate", new JsonObject { ["uri"] = $"file:{path},offset={DeviceStateHeader.Size}" }, cancellationToken).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        byte[] header = new byte[DeviceStateHeader.Size];
        new DeviceStateHeader(_memoryInstance, _memoryBytes, (ulong)(file.Length - DeviceStateHeader.Size)).Encode(header);
        await RandomAccess.WriteAsync(file.SafeFileHandle, header, 0, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        await _client.WriteContentsAsync(_options.DeviceStatePath, file, cancellationToken).ConfigureAwait(false);
        long length = file.Length;
        await file.DisposeAsync().ConfigureAwait(false);
        _runtime.RemoveMigrationFile();
        return length;
    }

    /// <summary>
    /// After the resumed QEMU started: loads the state from the migration file, consumes the device state, and conts.
    /// The state is emptied before the guest runs again: a guest that ran even a moment must never be loaded from it
    /// again (its RAM has moved on), and a crash in between costs a fresh boot rather than a corrupted guest.
    /// </summary>
    private async Task ResumeAsync(TimeSpan reclaim, TimeSpan start)
    {
        var loading = Stopwatch.GetTimestamp();
        await MigrateAsync("migrate-incoming", new JsonObject { ["uri"] = $"file:{_runtime!.MigrationPath},offset={DeviceStateHeader.Size}" }, _stopping.Token)
            .ConfigureAwait(false);
        _runtime.RemoveMigrationFile();
        await ConsumeStateAsync(_stopping.Token).ConfigureAwait(false);
        var load = Stopwatch.GetElapsedTime(loading);
        var continuing = Stopwatch.GetTimestamp();
        await _qmp!.ExecuteAsync("cont", cancellationToken: _stopping.Token).ConfigureAwait(false);
        _log.Resumed(Stopwatch.GetElapsedTime(_started), reclaim, start, load, Stopwatch.GetElapsedTime(continuing));
    }

    /// <summary>THAWED: the freeze was abandoned: consume the saved state, and cont the guest we paused.</summary>
    private async Task ThawAsync(CancellationToken cancellationToken)
    {
        if (!_paused)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await ConsumeStateAsync(cancellationToken).ConfigureAwait(false);
        await ContinueAsync(cancellationToken).ConfigureAwait(false);
        _log.Thawed(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>After registering again: a guest paused for a freeze the daemon no longer runs (it restarted, ACTIVE) is resumed.</summary>
    private async Task ThawIfAbandonedAsync(CancellationToken cancellationToken)
    {
        if (!_paused)
        {
            return;
        }

        LifecycleState state;
        try
        {
            state = (await _client.GetStatusAsync(cancellationToken).ConfigureAwait(false)).State;
        }
        catch (LiveUpdateException e)
        {
            _log.Line($"could not ask the daemon whether the freeze is over ({e.Message}); the guest stays paused until THAWED");
            return;
        }

        if (state == LifecycleState.Active)
        {
            _log.Line("the freeze this VM was paused for is over");
            await ThawAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Empties the device state (it must not be loaded once the guest has run on); a failure is logged, not fatal.</summary>
    private async Task ConsumeStateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.WriteContentsAsync(_options.DeviceStatePath, Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e)
        {
            _log.Line($"could not empty {_options.DeviceStatePath} ({e.Message}); remove it before this VM's next start");
        }
    }

    /// <summary>QMP cont; a failure is logged (QEMU gone: its exit ends the run).</summary>
    private async Task ContinueAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _qmp!.ExecuteAsync("cont", cancellationToken: cancellationToken).ConfigureAwait(false);
            _paused = false;
        }
        catch (QmpException e)
        {
            _log.Line($"cont failed: {e.Message}");
        }
    }

    /// <summary>Runs a migration command and waits for its MIGRATION event to say completed; throws <see cref="QmpException"/> otherwise.</summary>
    private async Task MigrateAsync(string command, JsonObject arguments, CancellationToken cancellationToken)
    {
        var finished = _qmp!.WaitForEventAsync("MIGRATION", d => d?["status"]?.GetValue<string>() is "completed" or "failed" or "cancelled", cancellationToken);
        await _qmp.ExecuteAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        var data = await finished.WaitAsync(s_migrationTimeout, cancellationToken).ConfigureAwait(false);
        string status = data?["status"]?.GetValue<string>() ?? "unknown";
        if (status != "completed")
        {
            var info = await _qmp.ExecuteAsync("query-migrate", cancellationToken: cancellationToken).ConfigureAwait(false);
            throw new QmpException($"{command} {status}: {info?["error-desc"]?.GetValue<string>() ?? "QEMU gave no reason"}");
        }
    }
}
