using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client.Tests.Support;

/// <summary>A temporary file on tmpfs (/dev/shm, else the temp directory) filled with seeded random bytes; deleted on dispose.</summary>
internal sealed class ShmFile : IDisposable
{
    public ShmFile(int length, int seed = 1)
    {
        string directory = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(directory, "lu-client-test-" + Guid.NewGuid().ToString("N"));
        Bytes = new byte[length];
        new Random(seed).NextBytes(Bytes);
        File.WriteAllBytes(Path, Bytes);
    }

    public string Path { get; }

    /// <summary>The file's contents as written.</summary>
    public byte[] Bytes { get; }

    public SafeFileHandle Open(FileAccess access) => File.OpenHandle(Path, FileMode.Open, access);

    public void Dispose() => File.Delete(Path);
}
