using System.Collections.Concurrent;
using CsCheck;
using LiveUpdate.Region.Tests.Engine;
using Xunit.Abstractions;
using Op = LiveUpdate.Region.Tests.Properties.ModelOp;

namespace LiveUpdate.Region.Tests.Properties;

/// <summary>
/// The engine against <see cref="RegionModel"/>: random sequences of mkdir, create (every kind, valid and
/// invalid sizes and names), resize, rename, remove and reattach run on a real 256 MiB region and on the model.
/// After every step both agree on success or the exact <see cref="RegionError"/>, on every path, kind, size, VM
/// and owner (through <see cref="PersistentRegion.ListAllFiles"/> and a walk of the directories), on the file
/// counts and file bytes; the region checks clean and its space adds up; a failed step changes no statistic.
/// CsCheck shrinks a failing sequence to a minimal one.
/// </summary>
public sealed class RegionModelTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20;
    private const long RegionSize = 256 * MiB;

    private static readonly Gen<string> s_name = Gen.Frequency(
        (30, Gen.OneOf("a", "b", "c")),
        (3, Gen.OneOf("d", "é", "😀")),
        (1, Gen.OneOf("", ".", "..", "x\0y", "\uD800", new string('n', 255), new string('n', 256), string.Concat(Enumerable.Repeat("é", 128)))));

    // Mostly shallow paths over few names, so that parents exist and names collide often.
    private static readonly Gen<string> s_path = Gen.Frequency(
        (12, s_name.Select(name => "/" + name)),
        (8, Gen.Select(s_name, s_name, (a, b) => $"/{a}/{b}")),
        (3, Gen.Select(s_name, s_name, s_name, (a, b, c) => $"/{a}/{b}/{c}")),
        (1, Gen.OneOf("/", "", "a", "a/b", "//a", "/a/", "/a//b", "/a/./b", "/../a")));

    private static readonly Gen<long> s_guestSize = Gen.Frequency(
        (8, Gen.Int[1, 16].Select(granules => granules * 2 * MiB)),
        (2, Gen.Int[17, 100].Select(granules => granules * 2 * MiB)),
        (2, Gen.OneOf(0L, 3 * MiB, (2 * MiB) + 1, -2 * MiB, 1L << 40, long.MaxValue)));

    private static readonly Gen<long> s_smallSize = Gen.Frequency(
        (6, Gen.Long[0, 20_000]),
        (3, Gen.Long[0, 5 * MiB]),
        (3, Gen.Int[0, 64].Select(pages => pages * 4096L)),
        (1, Gen.OneOf(-1L, long.MinValue, 300 * MiB, 1L << 40, (1L << 50) + 1, long.MaxValue)));

    private static readonly Gen<long> s_pageSize = Gen.Frequency(
        (6, Gen.Int[0, 64].Select(pages => pages * 4096L)),
        (1, s_smallSize));

    private static readonly Gen<FileKind> s_kind = Gen.Frequency(
        (4, Gen.Const(FileKind.GuestMemory)),
        (3, Gen.Const(FileKind.DeviceState)),
        (2, Gen.Const(FileKind.IommuPageTable)),
        (3, Gen.Const(FileKind.Blob)),
        (1, Gen.OneOf(FileKind.Directory, (FileKind)0, (FileKind)9)));

    private static readonly Gen<Op> s_create =
        from kind in s_kind
        from size in kind switch { FileKind.GuestMemory => s_guestSize, FileKind.IommuPageTable => s_pageSize, _ => s_smallSize }
        from path in s_path
        from vm in Gen.Int[0, Op.Vms.Length - 1]
        from owner in Gen.Int[0, Op.Owners.Length - 1]
        select (Op)new Op.CreateFile(path, kind, size, vm, owner);

    private static readonly Gen<Op> s_op = Gen.Frequency(
        (4, s_path.Select(path => (Op)new Op.MakeDirectory(path))),
        (10, s_create),
        (5, Gen.Select(s_path, Gen.Frequency((2, s_guestSize), (2, s_smallSize), (1, s_pageSize)), (path, size) => (Op)new Op.Resize(path, size))),
        (5, Gen.Select(s_path, s_path, (from, to) => (Op)new Op.Rename(from, to))),
        (4, s_path.Select(path => (Op)new Op.Remove(path))),
        (1, Gen.Const((Op)new Op.Reattach())));

    /// <summary>How often each operation ended how ("CreateFile GuestMemory: NoSpace"), over all samples.</summary>
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);

    [Fact]
    public void RandomOperationSequences_RegionAgreesWithTheModel()
    {
        s_op.Array[1, 60].Sample(Run, iter: 300, print: ops => string.Join("\n", ops.Select(o => o.ToString())));

        foreach (var (outcome, count) in _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,7} {outcome}");
        }

        // The run means something only if every operation both succeeded and failed in each interesting way.
        foreach (var expected in new[]
        {
            "MakeDirectory: success", "MakeDirectory: AlreadyExists", "MakeDirectory: NotFound", "MakeDirectory: WrongKind",
            "CreateFile GuestMemory: success", "CreateFile GuestMemory: NoSpace", "CreateFile GuestMemory: InvalidArgument",
            "CreateFile DeviceState: success", "CreateFile IommuPageTable: success", "CreateFile IommuPageTable: InvalidArgument",
            "CreateFile Blob: success", "CreateFile Blob: NoSpace", "CreateFile Directory: InvalidArgument",
            "Resize: success", "Resize: NoSpace", "Resize: InvalidArgument", "Resize: WrongKind", "Resize: NotFound",
            "Rename: success", "Rename: InvalidArgument", "Rename: AlreadyExists", "Rename: NotFound",
            "Remove: success", "Remove: NotEmpty", "Remove: NotFound", "Remove: InvalidArgument", "Reattach: success",
        })
        {
            Assert.True(_outcomes.ContainsKey(expected), $"no step ended '{expected}'");
        }
    }

    private void Run(Op[] ops)
    {
        using var temp = new TempRegion(RegionSize);
        var region = temp.Format();
        try
        {
            var model = new RegionModel();
            for (var step = 0; step < ops.Length; step++)
            {
                region = Apply(temp, region, model, ops[step], step);
                AssertAgree(region, model, step, ops[step]);
            }

            region.Dispose();
            region = temp.Attach();
            Assert.Equal(0, region.AttachReport.JournalTransactionsReplayed);
            AssertAgree(region, model, ops.Length, new Op.Reattach());
        }
        finally
        {
            region.Dispose();
        }
    }

    private PersistentRegion Apply(TempRegion temp, PersistentRegion region, RegionModel model, Op op, int step)
    {
        if (op is Op.Reattach)
        {
            region.Dispose();
            var again = temp.Attach();
            Assert.Equal(0, again.AttachReport.JournalTransactionsReplayed);
            Count("Reattach", null);
            return again;
        }

        var before = region.GetStatistics();
        RegionError? expected = op switch
        {
            Op.MakeDirectory mkdir => model.MakeDirectory(mkdir.Path),
            Op.CreateFile create => model.CreateFile(create.Path, create.Kind, create.Size, Op.Vms[create.Vm], Op.Owners[create.Owner], before.LargeFreeBytes, before.FreeBytes),
            Op.Resize resize => model.Resize(resize.Path, resize.Size, before.LargeFreeBytes, before.FreeBytes),
            Op.Rename rename => model.Rename(rename.From, rename.To),
            Op.Remove remove => model.Remove(remove.Path),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };

        RegionError? actual = null;
        try
        {
            switch (op)
            {
                case Op.MakeDirectory mkdir:
                    region.MakeDirectory(mkdir.Path);
                    break;
                case Op.CreateFile create:
                    var created = region.CreateFile(create.Path, create.Size, create.Kind, new CreateFileOptions(Op.Vms[create.Vm], Op.Owners[create.Owner]));
                    Assert.Equal(create.Size, created.Size);
                    break;
                case Op.Resize resize:
                    Assert.Equal(resize.Size, region.Resize(resize.Path, resize.Size).Size);
                    break;
                case Op.Rename rename:
                    Assert.Equal(rename.To, region.Rename(rename.From, rename.To).Path);
                    break;
                case Op.Remove remove:
                    region.Remove(remove.Path);
                    break;
            }
        }
        catch (RegionException ex)
        {
            actual = ex.Error;
        }

        Assert.True(expected == actual, $"step {step} {op}: the model says {Describe(expected)}, the region {Describe(actual)}");
        Count(op is Op.CreateFile c ? $"CreateFile {(Enum.IsDefined(c.Kind) ? c.Kind : "undefined kind")}" : op.GetType().Name, actual);
        if (actual is not null)
        {
            Assert.Equal(before, region.GetStatistics());
        }

        return region;
    }

    private static void AssertAgree(PersistentRegion region, RegionModel model, int step, Op op)
    {
        var where = $"after step {step} {op}";
        var expectedFiles = model.Files
            .Select(f => $"{f.Key} {f.Value.Kind} {f.Value.Size} {f.Value.Vm} {f.Value.Owner}")
            .Order(StringComparer.Ordinal).ToList();
        var actualFiles = region.ListAllFiles().Select(f => $"{f.Path} {f.Kind} {f.Size} {f.VmUuid} {f.OwnerUid}").ToList();
        Assert.True(expectedFiles.SequenceEqual(actualFiles), $"{where}: files differ\nmodel:  {string.Join(" | ", expectedFiles)}\nregion: {string.Join(" | ", actualFiles)}");

        var expectedTree = model.Entries.Select(e => $"{e.Key} {e.Value.Kind} {e.Value.Size}").Order(StringComparer.Ordinal).ToList();
        var actualTree = Walk(region).Order(StringComparer.Ordinal).ToList();
        Assert.True(expectedTree.SequenceEqual(actualTree), $"{where}: tree differs\nmodel:  {string.Join(" | ", expectedTree)}\nregion: {string.Join(" | ", actualTree)}");

        var statistics = region.GetStatistics();
        Assert.Equal(model.Files.LongCount(), statistics.Files);
        Assert.Equal(model.Entries.Count - model.Files.Count() + 1, statistics.Directories);
        Assert.Equal(model.FileBytes, statistics.FileBytes);
        RegionTesting.AssertHealthy(region);
    }

    private static IEnumerable<string> Walk(PersistentRegion region)
    {
        var pending = new Stack<string>();
        pending.Push("/");
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in region.List(directory))
            {
                yield return $"{entry.Path} {entry.Kind} {entry.Size}";
                if (entry.Kind == FileKind.Directory)
                {
                    pending.Push(entry.Path);
                }
            }
        }
    }

    private void Count(string operation, RegionError? outcome) =>
        _outcomes.AddOrUpdate($"{operation}: {Describe(outcome)}", 1, (_, count) => count + 1);

    private static string Describe(RegionError? error) => error?.ToString() ?? "success";
}
