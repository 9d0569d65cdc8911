namespace LiveUpdate.TestVmm;

/// <summary>What the test VMM was started to do.</summary>
internal enum VmmCommand
{
    /// <summary>Run a VM: register, map guest memory, take part in freezes.</summary>
    Run,

    /// <summary>After the (simulated) kexec: reclaim the VM's files and verify them.</summary>
    Reclaim,
}
