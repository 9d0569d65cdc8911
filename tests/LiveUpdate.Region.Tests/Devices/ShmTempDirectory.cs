using System.Runtime.Versioning;

namespace LiveUpdate.Region.Tests.Devices;

/// <summary>A uniquely named directory under /dev/shm (tmpfs, where regions normally live), deleted on dispose.</summary>
[SupportedOSPlatform("linux")]
internal sealed class ShmTempDirectory : IDisposable
{
    public ShmTempDirectory()
    {
        Path = System.IO.Path.Combine("/dev/shm", $"liveupdate-region-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
