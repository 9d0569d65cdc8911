using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Planning;

/// <summary>What <c>luctl plan-kexec</c> prints: the region's reservation and the commands that keep it across the kexec.</summary>
/// <param name="Device">The region's device, e.g. <c>/dev/dax0.0</c>.</param>
/// <param name="PhysicalStart">The physical address of the region's first byte.</param>
/// <param name="SizeBytes">The region's size.</param>
/// <param name="Memmap">The kernel parameter that reserves it: <c>memmap=16G!4G</c>.</param>
/// <param name="AlreadyReserved">True when the running kernel's command line already has <see cref="Memmap"/>.</param>
/// <param name="LoadCommand">The <c>kexec -l …</c> line that loads the next kernel with the reservation.</param>
/// <param name="ExecCommand">The command that then boots it: <c>systemctl kexec</c>.</param>
/// <param name="Reserved">
/// The persistent-memory region holding the device (sysfs), which <see cref="Memmap"/> reserves; null when sysfs did
/// not say, and the device's own range was used; on the namespaces backend the ramdax region itself.
/// </param>
/// <param name="Backend">The region's backend (devdax or namespaces).</param>
/// <param name="Next">The next kernel as far as it is known (its release, ramdax); null: the running one, not looked at.</param>
internal sealed record KexecPlan(
    string Device, ulong PhysicalStart, ulong SizeBytes, string Memmap, bool AlreadyReserved, string LoadCommand, string ExecCommand,
    PhysicalRange? Reserved = null, Backend Backend = Backend.Devdax, NextKernel? Next = null);
