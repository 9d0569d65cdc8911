using LiveUpdate.Region;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Service.Security;

/// <summary>
/// How far a descriptor handed out by Open or Reclaim reaches, and so who may receive one (docs/design.md §6). On the file
/// and devdax backends every file lives in one shared device, and a descriptor of it reaches the whole region: the memory
/// of every VM and the metadata. Those go to administrators only (root, the daemon's uid, the admin group), who could open
/// the region anyway. A backend that gives each file a device of its own (namespaces) hands a file's owner its own file.
/// </summary>
internal static class DescriptorReach
{
    /// <summary>True when a descriptor of one file on <paramref name="backend"/> reaches the whole region.</summary>
    /// <remarks>The seam for the namespaces backend: every backend but file and devdax gives each file its own device.</remarks>
    public static bool ReachesWholeRegion(RegionBackend backend) => backend is RegionBackend.File or RegionBackend.DevDax;

    /// <summary>
    /// Null when <paramref name="caller"/> may receive a descriptor of <paramref name="path"/> in <paramref name="region"/>
    /// (ownership of the file is judged separately); otherwise the one-line reason. Administrators pass without the
    /// region's description being read.
    /// </summary>
    public static string? WhyNot(Caller caller, PersistentRegion region, string path, string action) =>
        caller.IsAdmin ? null : WhyNot(caller, region.Info.Backend, path, action);

    /// <summary>As the other overload, for a region on <paramref name="backend"/>.</summary>
    public static string? WhyNot(Caller caller, RegionBackend backend, string path, string action) =>
        caller.IsAdmin || !ReachesWholeRegion(backend) ? null
        : $"uid {caller.Uid} may not {action} '{path}': on the {BackendName(backend)} backend a descriptor reaches the whole region " +
          "(every VM's memory and the metadata), so only root, the daemon's uid and the admin group receive one; " +
          "run the daemon on the namespaces backend (--region /sys/bus/nd/devices/regionN) to give each VM's owner its own device";

    private static string BackendName(RegionBackend backend) => backend == RegionBackend.DevDax ? "devdax" : "file";
}
