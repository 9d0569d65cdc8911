using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// The VMMs registered with RegisterVmm, by VM UUID (one registration per VM: a newer one replaces the older, whose
/// stream gets <see cref="VmmEventKind.Replaced"/> and ends). Thread-safe; <see cref="Changed"/> fires after every
/// registration, drop and ack, outside the lock.
/// </summary>
internal sealed class VmmRegistry(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, VmmRegistration> _byVm = [];
    private volatile bool _freezing;

    /// <summary>Raised after any change a running freeze must look at.</summary>
    public event Action? Changed;

    /// <summary>
    /// True while a freeze waits for acks: registered VMMs that have not acked may then write their VM's DEVICE_STATE files.
    /// </summary>
    public bool Freezing
    {
        get => _freezing;
        set => _freezing = value;
    }

    /// <summary>
    /// Registers <paramref name="caller"/> as the VMM of <paramref name="vmUuid"/>. The caller's right to act for the VM is
    /// judged before (the VM's owner or an administrator, docs/design.md §13); here a live registration of another uid is
    /// replaced only when <paramref name="ownsVm"/> or the caller is an administrator, otherwise PERMISSION_DENIED (a VM
    /// without files: the first live registrant holds it). <paramref name="registered"/> is queued on the new stream
    /// before the registration becomes visible, so it is the stream's first event whatever a running freeze or reconcile
    /// broadcasts at the same moment; <paramref name="replacedNotice"/> is the last event of the stream it replaces.
    /// </summary>
    public VmmRegistration Register(Guid vmUuid, string name, Caller caller, bool ownsVm, VmmEvent registered, VmmEvent replacedNotice)
    {
        var registration = new VmmRegistration(vmUuid, name, caller, time.GetUtcNow());
        registration.Send(registered);
        VmmRegistration? replaced;
        lock (_lock)
        {
            if (_byVm.TryGetValue(vmUuid, out replaced) && replaced.Connected && replaced.Caller.Uid != caller.Uid && !caller.IsAdmin && !ownsVm)
            {
                throw new DaemonException(DaemonError.Denied,
                    $"VM {vmUuid} is registered by uid {replaced.Caller.Uid} (pid {replaced.Caller.Pid}); uid {caller.Uid} may not replace it");
            }

            _byVm[vmUuid] = registration;
        }

        replaced?.Replace(replacedNotice);
        Changed?.Invoke();
        return registration;
    }

    /// <summary>Marks <paramref name="registration"/>'s stream as gone; forgets it unless a freeze still counts it.</summary>
    public void Disconnected(VmmRegistration registration)
    {
        registration.Connected = false;
        registration.End();
        lock (_lock)
        {
            if (!_freezing && _byVm.TryGetValue(registration.VmUuid, out var current) && ReferenceEquals(current, registration))
            {
                _byVm.Remove(registration.VmUuid);
            }
        }

        Changed?.Invoke();
    }

    /// <summary>The current registrations.</summary>
    public IReadOnlyList<VmmRegistration> Snapshot()
    {
        lock (_lock)
        {
            return [.. _byVm.Values];
        }
    }

    /// <summary>The registration of <paramref name="vmUuid"/>, or null.</summary>
    public VmmRegistration? Find(Guid vmUuid)
    {
        lock (_lock)
        {
            return _byVm.GetValueOrDefault(vmUuid);
        }
    }

    /// <summary>Records an ack and raises <see cref="Changed"/>.</summary>
    public void Ack(VmmRegistration registration, string deviceStatePath)
    {
        registration.AckedAt = time.GetTimestamp();
        registration.Acked = true;
        registration.DeviceStatePath = deviceStatePath;
        Changed?.Invoke();
    }

    /// <summary>Clears every ack (a freeze begins or ended) and drops registrations whose stream is gone.</summary>
    public void ResetAcks()
    {
        lock (_lock)
        {
            foreach (var (vm, registration) in _byVm.ToArray())
            {
                registration.Acked = false;
                if (!registration.Connected && !_freezing)
                {
                    _byVm.Remove(vm);
                }
            }
        }
    }

    /// <summary>Sends <paramref name="e"/> to every connected VMM.</summary>
    public void Broadcast(Func<VmmRegistration, VmmEvent> e)
    {
        foreach (var registration in Snapshot())
        {
            if (registration.Connected)
            {
                registration.Send(e(registration));
            }
        }
    }

    /// <summary>True when <paramref name="caller"/> is the registered, not yet acked VMM of <paramref name="vmUuid"/> during a freeze.</summary>
    public bool IsSavingDeviceState(Caller caller, Guid vmUuid) =>
        _freezing && Find(vmUuid) is { Acked: false } registration && (registration.Caller.Uid == caller.Uid || caller.IsAdmin);

    /// <summary>Ends every stream (the daemon stops).</summary>
    public void EndAll()
    {
        foreach (var registration in Snapshot())
        {
            registration.End();
        }
    }
}
