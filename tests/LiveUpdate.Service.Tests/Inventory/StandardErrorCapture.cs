using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Service.Tests.Inventory;

/// <summary>
/// Tests that redirect this process's file descriptor 2 run alone: nothing else may write to stderr meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StandardErrorCollection
{
    public const string Name = "process stderr";
}

/// <summary>
/// Points descriptor 2 at a temporary file while <see cref="Run"/>'s action runs, to see what native code (libvirt,
/// libxml2) prints there; Console.Error would not see it. Only for tests in <see cref="StandardErrorCollection"/>.
/// </summary>
/// <remarks>
/// dup and dup2 are native calls only this test makes; their imports stay here, not in the shared native layer
/// (service/Common/Interop), because this assembly sees the daemon's <c>Interop</c> through InternalsVisibleTo and a
/// second one compiled here would conflict with it.
/// </remarks>
internal static partial class StandardErrorCapture
{
    private const int StandardError = 2;

    /// <summary>Runs <paramref name="action"/> and returns what was written to descriptor 2 meanwhile.</summary>
    public static string Run(Action action)
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            int savedFd = Dup(StandardError);
            Assert.True(savedFd >= 0, $"dup(2) failed: errno {Marshal.GetLastPInvokeError()}");
            using var saved = new SafeFileHandle(savedFd, ownsHandle: true);
            try
            {
                using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
                {
                    Assert.True(Dup2((int)file.DangerousGetHandle(), StandardError) >= 0, "dup2 onto 2 failed");
                }

                action();
            }
            finally
            {
                Assert.True(Dup2(savedFd, StandardError) >= 0, "dup2 back onto 2 failed");
            }

            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int target);
}
