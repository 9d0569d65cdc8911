namespace LiveUpdate.Cli.Planning;

/// <summary>A range of physical memory: [<see cref="Start"/>, <see cref="Start"/> + <see cref="Size"/>).</summary>
/// <param name="Start">The first byte's physical address.</param>
/// <param name="Size">The length in bytes.</param>
/// <param name="Source">Where it was read, for messages (e.g. <c>/sys/bus/nd/devices/region0</c>).</param>
internal readonly record struct PhysicalRange(ulong Start, ulong Size, string Source)
{
    /// <summary>True when this range holds all of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="size"/>).</summary>
    public bool Covers(ulong start, ulong size) => start >= Start && size <= Size && start - Start <= Size - size;
}
