using System.Text;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// Issue 15, finding 1: on the file backend a descriptor of any file reaches the whole region, so uid 65534, owning one
/// small file, read root's VM memory and could write the superblock. Now such descriptors go to administrators only and
/// everyone else is told to use the namespaces backend (docs/design.md §6).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SharedBackendTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    private static readonly byte[] s_secret = Encoding.ASCII.GetBytes("VICTIM-SECRET-A");

    [RootFact(Timeout = 120_000)]
    public async Task UidOwningASmallFile_GetsNoDescriptor_SoRootsVmMemoryAndTheSuperblockStayOutOfItsReach()
    {
        var vm = Guid.NewGuid();
        var memory = $"/vm/{vm}/ram";
        await using var root = Clients.For(fixture.Daemon);
        await root.MakeDirectoryAsync("/vm");
        await root.MakeDirectoryAsync($"/vm/{vm}");
        await root.CreateFileAsync(memory, 2 * Clients.MiB, FileKind.GuestMemory, vm);
        using (var mapped = await root.MapAsync(memory, writable: true))
        {
            s_secret.CopyTo(mapped.GetSpan(0, s_secret.Length));
        }

        await root.MakeDirectoryAsync("/nobodys", RunningDaemon.NobodyUid);
        // The region file is root's, mode 0600, as a deployment keeps it: the daemon is the only way in.
        File.SetUnixFileMode(fixture.Daemon.RegionPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var outcomes = await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory,
            "create /nobodys/small 4096 blob",
            "open /nobodys/small ro",
            "open /nobodys/small rw",
            "map /nobodys/small rw",
            "token /nobodys/small ro",
            $"open {memory} ro");

        Peers.AssertResults(outcomes, "OK", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied");
        foreach (var refused in outcomes.Skip(1).Take(4))
        {
            Assert.Contains("on the file backend a descriptor reaches the whole region", refused.Detail, StringComparison.Ordinal);
            Assert.Contains("namespaces backend", refused.Detail, StringComparison.Ordinal);
        }

        Assert.Contains("belongs to uid 0", outcomes[5].Detail, StringComparison.Ordinal);

        // Around the daemon: the region file itself opens neither for reading nor for writing the superblock.
        var direct = await ChildProcess.RunAsync(Python.Interpreter,
            ["-c", "import sys\nfor mode in ('rb', 'r+b'):\n    try:\n        open(sys.argv[1], mode); print('opened')\n    except PermissionError:\n        print('EACCES')",
             fixture.Daemon.RegionPath],
            Peers.Nobody);
        Assert.Equal(["EACCES", "EACCES"], direct.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The secret is where root left it, and only root reads it.
        using var check = await root.MapAsync(memory, writable: false);
        Assert.Equal(s_secret, check.GetReadOnlySpan(0, s_secret.Length).ToArray());
    }
}
