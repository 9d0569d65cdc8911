namespace LiveUpdate.Qemu;

/// <summary>Ending QEMU on SIGTERM/SIGINT: the guest powers down, or QEMU quits, or is killed; the log says which.</summary>
internal sealed partial class Supervisor
{
    private static readonly TimeSpan s_quitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// system_powerdown and up to --shutdown-timeout for the guest to power off (not for a guest paused for an update:
    /// its state is saved and it cannot react, so it quits at once), then QMP quit and up to 10 s, then SIGKILL.
    /// </summary>
    private async Task StopQemuAsync(string reason, bool allowPowerdown)
    {
        var qemu = _qemu!;
        if (_qmp is not null && allowPowerdown && !_paused)
        {
            _log.Line($"{reason}: asking the guest to power down (QMP system_powerdown), waiting up to {_options.ShutdownTimeout.TotalSeconds:0.#} s");
            if (await TryQmpAsync("system_powerdown").ConfigureAwait(false) && await ExitsWithinAsync(_options.ShutdownTimeout).ConfigureAwait(false))
            {
                _log.Line("the guest powered down");
                return;
            }

            _log.Line($"the guest did not power down within {_options.ShutdownTimeout.TotalSeconds:0.#} s: QMP quit");
        }
        else if (_qmp is not null)
        {
            _log.Line(_paused ? $"{reason}: the guest is paused for an update (its state is saved): QMP quit" : $"{reason}: QMP quit");
        }

        if (_qmp is not null && await TryQmpAsync("quit").ConfigureAwait(false) && await ExitsWithinAsync(s_quitTimeout).ConfigureAwait(false))
        {
            _log.Line("QEMU quit");
            return;
        }

        if (!qemu.HasExited)
        {
            _log.Line("QEMU did not quit: SIGKILL");
            qemu.Kill();
        }
    }

    private async Task<bool> TryQmpAsync(string command)
    {
        try
        {
            await _qmp!.ExecuteAsync(command).WaitAsync(s_quitTimeout).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is Qmp.QmpException or TimeoutException)
        {
            // quit may see the monitor close before its reply: QEMU is going anyway.
            return _qemu!.HasExited || command == "quit";
        }
    }

    private async Task<bool> ExitsWithinAsync(TimeSpan timeout) =>
        await Task.WhenAny(_qemu!.Exited, Task.Delay(timeout)).ConfigureAwait(false) == _qemu.Exited;
}
