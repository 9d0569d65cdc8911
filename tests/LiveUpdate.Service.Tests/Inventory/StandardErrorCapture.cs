using System.Runtime.InteropServices;

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
internal static class StandardErrorCapture
{
    private const int StandardError = 2;

    /// <summary>Runs <paramref name="action"/> and returns what was written to descriptor 2 meanwhile.</summary>
    public static string Run(Action action)
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            int saved = Dup(StandardError);
            Assert.True(saved >= 0, $"dup(2) failed: errno {Marshal.GetLastPInvokeError()}");
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
                Assert.True(Dup2(saved, StandardError) >= 0, "dup2 back onto 2 failed");
                _ = Close(saved);
            }

            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int fd, int target);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
