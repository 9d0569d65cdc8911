using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// Random, valid protobuf messages of any type, generated from its descriptor: each field set or left out, scalars
/// drawn from boundary values and random ones (and, for fields whose name says what they hold, from plausible values:
/// paths, VM UUIDs, PCI addresses, domain ids, aligned offsets), enums from their defined values and undefined
/// numbers, strings from paths that exist (so that some requests succeed and reach deeper code), new paths, UUIDs and hostile text (control
/// characters, "..", very long names, lone surrogates), bytes fields random, repeated fields and maps 0–3 elements,
/// nested messages (well-known ones too: a Duration or Timestamp may be out of its valid range) up to a small depth.
/// </summary>
internal sealed class RandomRequests(Random random, Func<IReadOnlyList<string>> existingPaths)
{
    private const int MaxDepth = 4;

    private static readonly long[] s_integers =
    [
        0, 1, 2, 7, 511, 512, 4095, 4096, 4097, 8192, (1 << 21) - 1, 1 << 21, (1 << 21) + 1, 1L << 30, 64L << 20, (64L << 20) + 4096,
        int.MaxValue, uint.MaxValue, long.MaxValue, -1, -4096, int.MinValue, long.MinValue, 1L << 48, 1L << 57, 315_537_897_599,
        -62_135_596_801, 999_999_999, 1_000_000_000,
    ];

    private static readonly string[] s_hostile =
    [
        "", "/", "//", "/.", "/..", "/./fuzz", "/fuzz/..", "/fuzz/../fuzz", "fuzz", "relative/path", "/fuzz/", "/fuzz//blob",
        "/fuzz/nul\0byte", "/fuzz/tab\tname", "/fuzz/bell\u0007", "/fuzz/del\u007f", "/fuzz/c1\u0085", "/fuzz/esc\u001b[31m",
        "/fuzz/line\nbreak", "/fuzz/\ud800", "/fuzz/ünïcødé", "/fuzz/" + new string('a', 255), "/fuzz/" + new string('b', 256),
        "/" + string.Join('/', Enumerable.Repeat("d", 300)), new string('/', 5000), new string('x', 70_000), "/lost+found",
        "/vm", "/vm/00000000-0000-0000-0000-000000000000", "%s%n%x", "../../etc/passwd", "/dev/shm", "*", "?", " ",
        "0000:00:00.0", "0000:00:01.0", "ffff:ff:1f.7", "10000:00:00.0", "0000:00:20.0", "0000:00:1f.8", "00:02.0",
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "{5d2f8a61-3c1e-4b7a-8e90-0123456789ab}",
        "5d2f8a613c1e4b7a8e900123456789ab", "qemu:///system", "-1", "18446744073709551616", "rw", "ro",
    ];

    /// <summary>Plausible values for integer fields by name, drawn more often than the generic ones so that requests get past validation.</summary>
    private static readonly Dictionary<string, long[]> s_integerHints = new(StringComparer.Ordinal)
    {
        ["domain_id"] = [1, 2, 6, 65535],
        ["address_width"] = [39, 48, 57],
        ["owner_uid"] = [0, 65534],
        ["mode"] = [0x180, 0x1A4, 0x1FF],
        ["iova"] = [0, 4096, 1 << 21, 1 << 30],
        ["file_offset"] = [0, 4096, 1 << 21],
        ["offset"] = [0, 1, 4096],
        ["length"] = [4096, 8192, 1 << 21],
        ["size_bytes"] = [4096, 8192, 1 << 21, 4 << 20],
    };

    /// <summary>Plausible values for string fields by name (paths, UUIDs and PCI addresses are added where the name says so).</summary>
    private static readonly Dictionary<string, string[]> s_textHints = new(StringComparer.Ordinal)
    {
        ["pci_address"] = ["0000:05:00.0", "0000:05:00.1", "0000:00:02.0"],
    };

    /// <summary>How many fields in ten a top-level request sets.</summary>
    private static readonly int[] s_presence = [2, 5, 7, 9];

    private static readonly string[] s_names = ["a", "b", "memory", "state", "n0", "n1", "n2", "n3"];

    /// <summary>A VM UUID the seed tree tags files with, so that VM-scoped requests sometimes name a real VM.</summary>
    public static readonly Guid SeedVm = new("5d2f8a61-3c1e-4b7a-8e90-0123456789ab");

    /// <summary>A new random message of <paramref name="descriptor"/>'s type.</summary>
    public IMessage Message(MessageDescriptor descriptor, int depth = 0)
    {
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        if (descriptor.FullName == Google.Protobuf.WellKnownTypes.Duration.Descriptor.FullName
            || descriptor.FullName == Google.Protobuf.WellKnownTypes.Timestamp.Descriptor.FullName)
        {
            // Mostly sensible (a few seconds), sometimes out of the type's range: the daemon must refuse, not throw.
            var fields = descriptor.Fields.InFieldNumberOrder();
            fields[0].Accessor.SetValue(message, random.Next(3) == 0 ? Integer() : (long)random.Next(0, 5));
            fields[1].Accessor.SetValue(message, random.Next(3) == 0 ? unchecked((int)Integer()) : random.Next(0, 1_000_000_000));
            return message;
        }

        // Sparse messages (most fields at their defaults) get past validation more often; dense ones try more at once.
        var present = depth == 0 ? s_presence[random.Next(s_presence.Length)] : 7;
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            // A path or kind is what most requests need first: left out, the request stops at "required".
            if (random.Next(10) >= (field.Name.EndsWith("path", StringComparison.Ordinal) || field.Name == "kind" ? 9 : present))
            {
                continue;
            }

            if (field.IsMap)
            {
                var map = (IDictionary)field.Accessor.GetValue(message);
                var entry = field.MessageType;
                for (var n = random.Next(4); n > 0; n--)
                {
                    var key = Value(entry.FindFieldByNumber(1), depth);
                    if (key is not null)
                    {
                        map[key] = Value(entry.FindFieldByNumber(2), depth) ?? Default(entry.FindFieldByNumber(2));
                    }
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (var n = random.Next(4); n > 0; n--)
                {
                    if (Value(field, depth) is { } element)
                    {
                        list.Add(element);
                    }
                }
            }
            else if (Value(field, depth) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
        }

        return message;
    }

    /// <summary>A random value for one element of <paramref name="field"/>; null for a nested message past the depth limit.</summary>
    private object? Value(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => unchecked((int)Integer(field.Name)),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer(field.Name),
        FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)Integer(field.Name)),
        FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)Integer(field.Name)),
        FieldType.Float => (float)Double(),
        FieldType.Double => Double(),
        FieldType.String => Text(field.Name),
        FieldType.Bytes => Bytes(),
        FieldType.Enum => Enum(field.EnumType),
        FieldType.Message or FieldType.Group => depth < MaxDepth ? Message(field.MessageType, depth + 1) : null,
        _ => throw new NotSupportedException($"field type {field.FieldType} of {field.FullName}"),
    };

    private static object Default(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message or FieldType.Group => field.MessageType.Parser.ParseFrom(ByteString.Empty),
        FieldType.String => string.Empty,
        FieldType.Bytes => ByteString.Empty,
        _ => throw new NotSupportedException($"map value type {field.FieldType}"),
    };

    private long Integer(string name) =>
        s_integerHints.TryGetValue(name, out var hints) && random.Next(2) == 0 ? hints[random.Next(hints.Length)] : Integer();

    private long Integer() => random.Next(5) switch
    {
        0 => random.NextInt64(),
        1 => random.Next(-16, 4097),
        _ => s_integers[random.Next(s_integers.Length)],
    };

    private double Double() => random.Next(6) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => -1,
        _ => random.NextDouble() * 100,
    };

    private object Enum(EnumDescriptor type)
    {
        var number = random.Next(4) == 0 ? unchecked((int)Integer()) : type.Values[random.Next(type.Values.Count)].Number;
        return System.Enum.ToObject(type.ClrType, number);
    }

    private ByteString Bytes()
    {
        var length = random.Next(4) switch
        {
            0 => 0,
            1 => random.Next(1, 64),
            2 => 4096,
            _ => random.Next(1, 20_000),
        };
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private string Text(string name)
    {
        if (random.Next(2) == 0)
        {
            if (s_textHints.TryGetValue(name, out var hints))
            {
                return hints[random.Next(hints.Length)];
            }

            if (name.EndsWith("uuid", StringComparison.Ordinal))
            {
                return random.Next(3) == 0 ? Guid.NewGuid().ToString() : SeedVm.ToString();
            }

            if (name.EndsWith("path", StringComparison.Ordinal) && existingPaths() is { Count: > 0 } existing)
            {
                return existing[random.Next(existing.Count)] + (random.Next(2) == 0 ? string.Empty : "/" + s_names[random.Next(s_names.Length)]);
            }
        }

        var paths = existingPaths();
        return random.Next(10) switch
        {
            < 3 when paths.Count > 0 => paths[random.Next(paths.Count)],
            < 5 when paths.Count > 0 => paths[random.Next(paths.Count)] + "/" + s_names[random.Next(s_names.Length)],
            5 => random.Next(2) == 0 ? SeedVm.ToString() : Guid.NewGuid().ToString(),
            6 => RandomText(),
            _ => s_hostile[random.Next(s_hostile.Length)],
        };
    }

    private string RandomText()
    {
        var chars = new char[random.Next(1, 40)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(random.Next(4) == 0 ? random.Next(0, 0x10000) : random.Next(0x20, 0x7f));
        }

        return new string(chars);
    }
}
