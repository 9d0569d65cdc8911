using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Format;

/// <summary>
/// Every on-region record's size and field offsets against the diagram in its doc comment (STYLE.md: "a test
/// asserts every size and offset"). Each table names a field, its offset and the diagram's label for it.
/// </summary>
public sealed partial class RecordLayoutTests
{
    private static readonly (string Field, int Offset, string Label)[] s_superblock =
    [
        ("Magic", 0, "magic \"LUREGION\""), ("FormatVersion", 8, "format version"), ("IncompatibleFeatures", 12, "incompatible features"),
        ("RegionUuid", 16, "region UUID (16)"), ("RegionSize", 32, "region size"), ("SmallGranule", 40, "small granule"),
        ("LargeGranule", 44, "large granule"), ("InodeSize", 48, "inode size"), ("InodeChunkSize", 52, "inode chunk size"),
        ("LifecycleState", 56, "lifecycle state"), ("Flags", 60, "flags"), ("Generation", 64, "generation"),
        ("BootId", 72, "boot id (16)"), ("PhysicalBase", 88, "physical base"), ("Sequence", 96, "sequence"),
        ("JournalOffset", 104, "journal offset"), ("JournalSize", 112, "journal size"), ("CheckpointOffset", 120, "checkpoint offset"),
        ("CheckpointSequence", 128, "checkpoint sequence"), ("ChunkTableOffset", 136, "chunk table offset"),
        ("ChunkTablePages", 144, "chunk table pages"), ("MinReaderVersion", 148, "min reader version"), ("HeaderSize", 152, "header size"),
        ("FormattedAtUnixMs", 160, "formatted at"), ("AttachedAtUnixMs", 168, "attached at"), ("PreviousBootId", 176, "previous boot id (16)"),
        ("AttachCount", 192, "attach count"), ("ReconcileCause", 200, "reconcile cause"), ("StateChangedAtUnixMs", 208, "state changed at"),
        ("Checksum", 504, "checksum"),
    ];

    private static readonly (string Field, int Offset, string Label)[] s_inode =
    [
        ("Magic", 0, "magic \"LUIN\""), ("Kind", 4, "kind"), ("Flags", 5, "flags"), ("NameLength", 6, "name length"),
        ("Number", 8, "inode number"), ("Generation", 16, "generation"), ("Parent", 24, "parent"), ("Size", 32, "size"),
        ("AllocatedBytes", 40, "allocated bytes"), ("OwnerUid", 48, "owner uid"), ("Mode", 52, "mode"), ("VmUuid", 56, "VM UUID (16)"),
        ("CreatedUnixMs", 72, "created (unix ms)"), ("ModifiedUnixMs", 80, "modified (unix ms)"), ("ExtentCount", 88, "extent count"),
        ("OverflowBlock", 96, "first overflow extent block"), ("Extents", 112, "inline extents (5 × 16)"),
        ("Name", 192, "name (256, UTF-8, zero padded)"), ("InstanceId", 448, "instance id (16, format 3)"), ("Checksum", 504, "checksum"),
    ];

    private static readonly (string Field, int Offset, string Label)[] s_extent =
    [
        ("RegionOffset", 0, "region offset"), ("Length", 8, "length"),
    ];

    [Fact]
    public void SuperblockRecord_SizeAndOffsets_MatchDiagram()
    {
        Assert.Equal(512, SuperblockRecord.TotalSize);
        Assert.Equal(SuperblockRecord.TotalSize, Unsafe.SizeOf<SuperblockRecord>());
        AssertLayout<SuperblockRecord>(s_superblock, SuperblockRecord.TotalSize);
    }

    [Fact]
    public void InodeRecord_SizeAndOffsets_MatchDiagram()
    {
        Assert.Equal(512, InodeRecord.TotalSize);
        Assert.Equal(InodeRecord.TotalSize, Unsafe.SizeOf<InodeRecord>());
        Assert.Equal(InodeRecord.InlineExtentCapacity * ExtentRecord.TotalSize, Unsafe.SizeOf<InodeRecord.InlineExtents>());
        Assert.Equal(256, Unsafe.SizeOf<InodeRecord.NameBytes>());
        Assert.True(RegionLayout.MaxNameBytes <= Unsafe.SizeOf<InodeRecord.NameBytes>());
        AssertLayout<InodeRecord>(s_inode, InodeRecord.TotalSize);
    }

    [Fact]
    public void ExtentRecord_SizeAndOffsets_MatchDiagram()
    {
        Assert.Equal(16, ExtentRecord.TotalSize);
        Assert.Equal(ExtentRecord.TotalSize, Unsafe.SizeOf<ExtentRecord>());
        AssertLayout<ExtentRecord>(s_extent, ExtentRecord.TotalSize, hasChecksum: false);
    }

    [Fact]
    public void Uuid_IsSixteenBytes()
    {
        Assert.Equal(16, Unsafe.SizeOf<Uuid>());
    }

    [Fact]
    public void InodeRecord_InlineArrays_LandAtTheirDiagramOffsets()
    {
        var record = default(InodeRecord);
        record.VmUuid = Uuid.From(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"));
        record.Extents[0] = new ExtentRecord(0x1111, 0x2222);
        record.Extents[InodeRecord.InlineExtentCapacity - 1] = new ExtentRecord(0x3333, 0x4444);
        record.Name[0] = (byte)'n';
        record.Name[255] = (byte)'z';
        var bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref record, 1));

        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes.Slice(56, 16).ToArray());
        Assert.Equal(0x1111, BinaryPrimitives.ReadInt64LittleEndian(bytes[112..]));
        Assert.Equal(0x2222, BinaryPrimitives.ReadInt64LittleEndian(bytes[120..]));
        Assert.Equal(0x3333, BinaryPrimitives.ReadInt64LittleEndian(bytes[(112 + 64)..]));
        Assert.Equal(0x4444, BinaryPrimitives.ReadInt64LittleEndian(bytes[(112 + 72)..]));
        Assert.Equal((byte)'n', bytes[192]);
        Assert.Equal((byte)'z', bytes[192 + 255]);
        Assert.Equal(448, 192 + 256);
    }

    [Fact]
    public void ExtentBlock_Constants_MatchDiagram()
    {
        var entries = LayoutDiagram.EntriesOf(typeof(ExtentBlock));
        Assert.Equal(
            [(0, "magic \"LUEB\""), (4, "count"), (8, "owner inode"), (16, "owner generation"), (24, "next block"), (32, "index in chain"),
             (40, "reserved"), (48, "extents (252 × 16)"), (4080, "reserved"), (4088, "checksum")],
            entries);
        Assert.Equal(4096, ExtentBlock.TotalSize);
        Assert.Equal(48, ExtentBlock.ExtentsOffset);
        Assert.Equal(252, ExtentBlock.Capacity);
        Assert.Equal(4080, ExtentBlock.ExtentsOffset + (ExtentBlock.Capacity * ExtentRecord.TotalSize));
        Assert.Equal(4088, ExtentBlock.TotalSize - sizeof(ulong));
        Assert.Equal("LUEB", Ascii(ExtentBlock.MagicValue));
    }

    [Fact]
    public void ExtentBlock_Write_PutsEachFieldAtItsDiagramOffset()
    {
        var block = new byte[ExtentBlock.TotalSize];
        ExtentRecord[] extents = [new(0x20_0000, 0x1000), new(0x40_0000, 0x2000)];
        ExtentBlock.Write(block, owner: 0x0102030405060708, ownerGeneration: 0x1112131415161718, next: 0x21_2000, index: 3, extents);

        Assert.Equal(ExtentBlock.MagicValue, BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(0)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(block.AsSpan(4)));
        Assert.Equal(0x0102030405060708UL, BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(8)));
        Assert.Equal(0x1112131415161718UL, BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(16)));
        Assert.Equal(0x21_2000L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(24)));
        Assert.Equal(3L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(32)));
        Assert.All(block[40..48], b => Assert.Equal(0, b));
        Assert.Equal(0x20_0000L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(48)));
        Assert.Equal(0x1000L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(56)));
        Assert.Equal(0x40_0000L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(64)));
        Assert.Equal(0x2000L, BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(72)));
        Assert.All(block[80..4088], b => Assert.Equal(0, b));
        Assert.True(Checksum.Verify(block, Checksum.ExtentBlockSeed));

        var header = ExtentBlock.ReadHeader(block);
        Assert.Equal(new ExtentBlock.Header(ExtentBlock.MagicValue, 2, 0x0102030405060708, 0x1112131415161718, 0x21_2000, 3), header);
        Assert.Equal(extents, ExtentBlock.Extents(block, 2).ToArray());
    }

    [Fact]
    public void ChunkTablePage_Constants_MatchDiagram()
    {
        var entries = LayoutDiagram.EntriesOf(typeof(ChunkTablePage));
        Assert.Equal([(0, "magic \"LUCT\""), (4, "page index"), (8, "reserved"), (16, "chunk offsets (509 × 8)"), (4088, "checksum")], entries);
        Assert.Equal(4096, ChunkTablePage.TotalSize);
        Assert.Equal(16, ChunkTablePage.EntriesOffset);
        Assert.Equal(509, ChunkTablePage.EntriesPerPage);
        Assert.Equal(4088, ChunkTablePage.EntriesOffset + (ChunkTablePage.EntriesPerPage * sizeof(long)));
        Assert.Equal("LUCT", Ascii(ChunkTablePage.MagicValue));
        Assert.Equal(RegionLayout.MaxInodeChunks, RegionLayout.ChunkTablePages * ChunkTablePage.EntriesPerPage);
        Assert.True(RegionLayout.ChunkTableOffset + (RegionLayout.ChunkTablePages * ChunkTablePage.TotalSize) <= RegionLayout.JournalOffset);
    }

    [Fact]
    public void ChunkTablePage_Write_PutsEachFieldAtItsDiagramOffset()
    {
        var page = new byte[ChunkTablePage.TotalSize];
        var offsets = new long[ChunkTablePage.EntriesPerPage];
        offsets[0] = 0x20_0000;
        offsets[^1] = 0x7FE0_0000;
        ChunkTablePage.Write(page, 7, offsets);

        Assert.Equal(ChunkTablePage.MagicValue, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4)));
        Assert.All(page[8..16], b => Assert.Equal(0, b));
        Assert.Equal(0x20_0000L, BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(16)));
        Assert.Equal(0x7FE0_0000L, BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(4080)));
        Assert.True(Checksum.Verify(page, Checksum.ChunkTableSeed));
        Assert.Equal(7u, ChunkTablePage.Index(page));
        Assert.Equal(offsets, ChunkTablePage.Entries(page).ToArray());
    }

    [Fact]
    public void JournalRecord_Constants_MatchDiagram()
    {
        var text = LayoutDiagram.TextOf(typeof(JournalRecord));
        var sections = SectionSizes().Matches(text).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
        Assert.Equal(JournalRecord.HeaderSize, sections["header"]);
        Assert.Equal(JournalRecord.EntryHeaderSize, sections["entry"]);
        Assert.Equal(JournalRecord.TrailerSize, sections["trailer"]);
        Assert.Equal(32, JournalRecord.HeaderSize);
        Assert.Equal(16, JournalRecord.EntryHeaderSize);
        Assert.Equal(8, JournalRecord.TrailerSize);

        var lines = text.Split('\n');
        Assert.Equal(
            [(0, "magic \"LUJT\""), (4, "entry count"), (8, "sequence"), (16, "nonce (from the region UUID)"), (24, "total length"), (28, "reserved")],
            LayoutDiagram.EntriesOf(lines.Single(l => l.TrimStart().StartsWith("header", StringComparison.Ordinal))));
        Assert.Equal(
            [(0, "target region offset"), (8, "length"), (12, "reserved"), (16, "data")],
            LayoutDiagram.EntriesOf(lines.Single(l => l.TrimStart().StartsWith("entry", StringComparison.Ordinal))));
        Assert.Equal("LUJT", Ascii(JournalRecord.MagicValue));
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(1, 24)]
    [InlineData(7, 24)]
    [InlineData(8, 24)]
    [InlineData(9, 32)]
    [InlineData(512, 528)]
    [InlineData(4096, 4112)]
    public void JournalRecord_EntrySize_IsHeaderPlusDataPaddedToEight(int dataLength, int expected)
    {
        Assert.Equal(expected, JournalRecord.EntrySize(dataLength));
    }

    [Fact]
    public void JournalRecord_WriteHeader_PutsEachFieldAtItsDiagramOffset()
    {
        var bytes = new byte[JournalRecord.HeaderSize];
        bytes.AsSpan().Fill(0xEE);
        JournalRecord.WriteHeader(bytes, entryCount: 3, sequence: 0x0102030405060708, nonce: 0x1112131415161718, totalLength: 0x448);

        Assert.Equal(JournalRecord.MagicValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x0102030405060708UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0x1112131415161718UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(0x448, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(new JournalRecord.Header(JournalRecord.MagicValue, 3, 0x0102030405060708, 0x1112131415161718, 0x448), JournalRecord.ReadHeader(bytes));
    }

    [Fact]
    public void JournalRecord_Nonce_DependsOnTheRegionUuid()
    {
        var a = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var b = Guid.Parse("00112233-4455-6677-8899-aabbccddeefe");
        Assert.Equal(JournalRecord.NonceOf(a), JournalRecord.NonceOf(a));
        Assert.NotEqual(JournalRecord.NonceOf(a), JournalRecord.NonceOf(b));
    }

    [Fact]
    public void Magics_SpellTheirNamesInAscii()
    {
        Assert.Equal("LUREGION", Encoding.ASCII.GetString(BitConverter.GetBytes(SuperblockRecord.MagicValue)));
        Assert.Equal("LUIN", Ascii(InodeRecord.MagicValue));
    }

    [Fact]
    public void RegionLayout_HeaderArea_IsConsistent()
    {
        Assert.Equal(2, RegionLayout.SuperblockOffsets.Length);
        Assert.Equal(0, RegionLayout.SuperblockOffsets[0]);
        Assert.Equal(RegionLayout.SuperblockSlotSize, RegionLayout.SuperblockOffsets[1]);
        Assert.True(SuperblockRecord.TotalSize <= RegionLayout.SuperblockSlotSize);
        Assert.Equal(2 * RegionLayout.SuperblockSlotSize, RegionLayout.ChunkTableOffset);
        Assert.Equal(RegionLayout.HeaderSize, RegionLayout.JournalOffset + RegionLayout.JournalSize);
        Assert.Equal(512, RegionLayout.InodesPerChunk);
        // The doc comment of MaxInodes says 8,290,816; 32 pages × 509 chunks × 512 inodes is 8,339,456.
        Assert.Equal(32L * 509 * 512, RegionLayout.MaxInodes);
        Assert.True(RegionLayout.MaxInodes >= 1_000_000);
        Assert.True(RegionLayout.MaximumRegionSize >= 64L << 40);
    }

    /// <summary>
    /// Checks one struct against its table and its diagram: the table covers every field, each field's
    /// <see cref="Marshal.OffsetOf(Type, string)"/> and real in-memory offset equal the diagram's, fields do not
    /// overlap, sizes declared in the diagram ("(16)", "(5 × 16)") are the fields' sizes, a sealed record ends with
    /// its 8-byte checksum (an unsealed one with its last field), and every diagram entry without a field is reserved.
    /// </summary>
    private static void AssertLayout<T>((string Field, int Offset, string Label)[] table, int totalSize, bool hasChecksum = true)
        where T : unmanaged
    {
        var type = typeof(T);
        Assert.Equal(totalSize, type.StructLayoutAttribute!.Size);
        Assert.Equal(LayoutKind.Explicit, type.StructLayoutAttribute.Value);

        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.Equal(table.Select(t => t.Field).Order(StringComparer.Ordinal), fields.Select(f => f.Name).Order(StringComparer.Ordinal));

        var diagram = LayoutDiagram.EntriesOf(type);
        Assert.Equal(diagram.Select(d => d.Offset).Distinct().Count(), diagram.Count);
        var sorted = table.OrderBy(t => t.Offset).ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            var (name, offset, label) = sorted[i];
            var field = type.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
            Assert.True(offset == (int)Marshal.OffsetOf<T>(name), $"{type.Name}.{name}: Marshal.OffsetOf is {Marshal.OffsetOf<T>(name)}, the diagram says {offset}");
            Assert.Equal(offset, field.GetCustomAttribute<FieldOffsetAttribute>()!.Value);
            Assert.Contains((offset, label), diagram);

            var size = RuntimeHelpers.SizeOf(field.FieldType.TypeHandle);
            var end = i + 1 < sorted.Length ? sorted[i + 1].Offset : totalSize;
            Assert.True(offset + size <= end, $"{type.Name}.{name} ({size} bytes at {offset}) overlaps the next field at {end}");
            if (DeclaredSize().Match(label) is { Success: true } declared)
            {
                var count = int.Parse(declared.Groups[1].Value);
                var each = declared.Groups[2].Success ? int.Parse(declared.Groups[2].Value) : 1;
                Assert.Equal(count * each, size);
            }

            if (field.FieldType.IsPrimitive)
            {
                AssertFieldBytesAt<T>(field, offset, size);
            }
        }

        var last = sorted[^1];
        if (hasChecksum)
        {
            Assert.Equal("Checksum", last.Field);
            Assert.Equal(totalSize - sizeof(ulong), last.Offset);
        }
        else
        {
            Assert.Equal(totalSize, last.Offset + RuntimeHelpers.SizeOf(typeof(T).GetField(last.Field)!.FieldType.TypeHandle));
        }
        foreach (var (offset, label) in diagram)
        {
            Assert.True(table.Any(t => t.Offset == offset) || label.StartsWith("reserved", StringComparison.Ordinal),
                $"{type.Name}: diagram entry '{offset} {label}' has no field and is not reserved");
        }
    }

    /// <summary>Sets one field to a distinctive value and checks exactly its bytes change, where the diagram says.</summary>
    private static void AssertFieldBytesAt<T>(FieldInfo field, int offset, int size)
        where T : unmanaged
    {
        object boxed = default(T);
        var pattern = new byte[size];
        for (var i = 0; i < size; i++)
        {
            pattern[i] = (byte)(0x11 * (i + 1));
        }

        field.SetValue(boxed, Type.GetTypeCode(field.FieldType) switch
        {
            TypeCode.Byte => pattern[0],
            TypeCode.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(pattern),
            TypeCode.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(pattern),
            TypeCode.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(pattern),
            TypeCode.Int64 => BinaryPrimitives.ReadInt64LittleEndian(pattern),
            var other => throw new NotSupportedException($"field type {other}"),
        });
        var value = (T)boxed;
        var bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref value, 1)).ToArray();
        var expected = new byte[bytes.Length];
        pattern.CopyTo(expected, offset);
        Assert.Equal(expected, bytes);
    }

    private static string Ascii(uint magic) => Encoding.ASCII.GetString(BitConverter.GetBytes(magic));

    [GeneratedRegex(@"\((\d+)(?: × (\d+))?[,)]")]
    private static partial Regex DeclaredSize();

    [GeneratedRegex(@"^\s*([a-z]+)\s*\((\d+)", RegexOptions.Multiline)]
    private static partial Regex SectionSizes();
}
