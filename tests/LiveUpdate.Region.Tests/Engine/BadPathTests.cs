using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Malformed paths and names: every operation refuses them with InvalidArgument and changes nothing.</summary>
public sealed class BadPathTests : IDisposable
{
    private readonly TempRegion _temp = new();
    private readonly PersistentRegion _region;

    public BadPathTests()
    {
        _region = _temp.Format();
        _region.MakeDirectory("/dir");
        _region.CreateFile("/dir/file", 5000, FileKind.Blob);
        _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
    }

    // Theory data is serialized as UTF-8 at discovery, which would turn lone surrogates into U+FFFD: tests get
    // a description and look the string up here.
    private static readonly Dictionary<string, string> s_badPaths = new()
    {
        { "empty", "" },
        { "relative", "dir/file" },
        { "relative single name", "file" },
        { "double slash alone", "//" },
        { "leading double slash", "//dir" },
        { "double slash inside", "/dir//file" },
        { "trailing slash", "/dir/" },
        { "trailing slash on root child", "/new/" },
        { "dot", "/." },
        { "dot dot", "/.." },
        { "dot component", "/dir/./file" },
        { "dot dot component", "/dir/../mem" },
        { "dot dot at the end", "/dir/.." },
        { "NUL in a name", "/dir/fi\0le" },
        { "NUL alone", "/\0" },
        { "256 ASCII bytes", "/" + new string('x', 256) },
        { "256 bytes of 2-byte chars", "/" + Repeat("é", 128) },
        { "256 bytes of 3-byte chars", "/" + Repeat("€", 85) + "x" },
        { "256 bytes of 4-byte chars", "/" + Repeat("😀", 64) },
        { "256 bytes in a parent", "/" + new string('x', 256) + "/file" },
        { "lone high surrogate", "/a\uD83Db" },
        { "lone low surrogate", "/a\uDE00b" },
        { "high surrogate at the end", "/dir/x\uD83D" },
        { "path over 4096 characters", "/" + string.Join('/', Enumerable.Repeat("abcdefgh", 500)) },
    };

    private static readonly Dictionary<string, string> s_longestNames = new()
    {
        { "255 ASCII bytes", new string('x', 255) },
        { "127 2-byte chars and one ASCII", Repeat("é", 127) + "x" },
        { "85 3-byte chars", Repeat("€", 85) },
        { "63 4-byte chars and three ASCII", Repeat("😀", 63) + "xyz" },
        { "mixed widths", "a" + Repeat("é", 50) + Repeat("€", 30) + Repeat("😀", 16) },
    };

    public static TheoryData<string> BadPaths => [.. s_badPaths.Keys];

    public static TheoryData<string> LongestNames => [.. s_longestNames.Keys];

    [Theory]
    [MemberData(nameof(BadPaths))]
    public void EveryOperation_BadPath_IsInvalidAndChangesNothing(string description)
    {
        var path = s_badPaths[description];
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile(path, 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile(path, 2 * MiB, FileKind.GuestMemory));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.MakeDirectory(path));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize(path, 4096));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Remove(path));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename(path, "/renamed"));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir/file", path));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir", path));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Stat(path));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.List(path));
    }

    [Fact]
    public void Create_NullPath_IsInvalidAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile(null!, 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.MakeDirectory(null!));
    }

    [Theory]
    [MemberData(nameof(LongestNames))]
    public void Create_NameOf255Utf8Bytes_IsAcceptedAndSurvivesReattach(string description)
    {
        var name = s_longestNames[description];
        Assert.Equal(255, System.Text.Encoding.UTF8.GetByteCount(name));
        _region.CreateFile("/dir/" + name, 100, FileKind.Blob);
        _region.MakeDirectory("/" + name);
        _region.CreateFile("/" + name + "/" + name, 0, FileKind.DeviceState);
        AssertHealthy(_region);
        _region.Dispose();

        using var again = _temp.Attach();
        Assert.Equal(100, again.Stat("/dir/" + name).Size);
        Assert.Contains(again.List("/"), f => f.Path == "/" + name && f.Kind == FileKind.Directory);
        Assert.Equal("/" + name + "/" + name, Assert.Single(again.List("/" + name)).Path);
        AssertHealthy(again);
    }

    [Theory]
    [MemberData(nameof(LongestNames))]
    public void Create_NameOf256Utf8Bytes_IsInvalidAndChangesNothing(string description)
    {
        var name255 = s_longestNames[description];
        // One more byte of any width tips a 255-byte name over the limit.
        foreach (var extra in new[] { "x", "é", "€", "😀" })
        {
            var name = name255 + extra;
            var ex = AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/dir/" + name, 0, FileKind.Blob));
            Assert.Contains("255", ex.Message, StringComparison.Ordinal);
            AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/mem", "/" + name));
        }
    }

    [Fact]
    public void Names_AreCaseSensitiveAndNotNormalised()
    {
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Stat("/DIR"));
        _region.CreateFile("/DIR", 0, FileKind.Blob);
        _region.CreateFile("/e\u0301", 0, FileKind.Blob); // e + combining acute
        _region.CreateFile("/\u00e9", 0, FileKind.Blob);  // precomposed é: a different name
        Assert.Equal(["/DIR", "/dir", "/e\u0301", "/mem", "/\u00e9"], _region.List("/").Select(f => f.Path));
        AssertHealthy(_region);
    }

    [Fact]
    public void Names_WithSpacesAndPunctuation_AreFine()
    {
        foreach (var name in new[] { " ", "a b", "...", ".hidden", "a.", "-", "#1.2", "名前" })
        {
            _region.CreateFile("/dir/" + name, 1, FileKind.Blob);
            Assert.Equal(1, _region.Stat("/dir/" + name).Size);
        }

        AssertHealthy(_region);
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("a\nb")]
    [InlineData("\u001b[31m")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    [InlineData("c1\u009f")]
    public void NewNames_WithControlCharacters_AreRefused(string name)
    {
        _region.CreateFile("/dir/kept", 1, FileKind.Blob);
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/dir/" + name, 1, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.MakeDirectory("/dir/" + name));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir/kept", "/dir/" + name));
        var refused = Assert.Throws<RegionException>(() => _region.CreateFile("/dir/" + name, 1, FileKind.Blob));
        Assert.Contains("a name must not contain control characters", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _region.Dispose();
        _temp.Dispose();
    }

    private static string Repeat(string value, int count) => string.Concat(Enumerable.Repeat(value, count));
}
