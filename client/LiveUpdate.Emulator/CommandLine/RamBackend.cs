using System.Globalization;
using System.Text.Json.Nodes;
using LiveUpdate.Qemu;
using LiveUpdate.Qemu.CommandLine;
using LiveUpdate.Qemu.Memory;

namespace LiveUpdate.Emulator.CommandLine;

/// <summary>
/// One RAM backend libvirt generated (<c>-object</c> with id <c>pc.ram</c>, or <c>ram-nodeN</c> per NUMA node), in the
/// syntax libvirt used (JSON, or QEMU's key=value list), and its rewrite into a shared <c>memory-backend-file</c> on the
/// guest-memory file.
/// </summary>
internal sealed class RamBackend
{
    /// <summary>
    /// Properties every memory backend has (QEMU 10's hostmem.c), kept as libvirt set them; everything else of the old
    /// backend (memfd's hugetlb and seal, a file's own path) is dropped. <c>share</c> is set on, not kept.
    /// </summary>
    private static readonly HashSet<string> s_kept = new(StringComparer.Ordinal)
    {
        "size", "merge", "dump", "prealloc", "prealloc-threads", "prealloc-context", "host-nodes", "policy", "reserve",
        "x-use-canonical-path-for-ramblock-id",
    };

    private const ulong Align = 2 << 20;

    private readonly JsonObject? _json;
    private readonly IReadOnlyList<KeyValuePair<string, string>>? _pairs;

    private RamBackend(string id, ulong size, int valueIndex, JsonObject? json, IReadOnlyList<KeyValuePair<string, string>>? pairs)
    {
        Id = id;
        Size = size;
        ValueIndex = valueIndex;
        _json = json;
        _pairs = pairs;
    }

    /// <summary>The object id (pc.ram, ram-node0, …): the machine and the NUMA nodes refer to it, and migration names the RAM block by it.</summary>
    public string Id { get; }

    /// <summary>The backend's size in bytes, as libvirt gave it.</summary>
    public ulong Size { get; }

    /// <summary>Where the -object's value is in QEMU's arguments.</summary>
    public int ValueIndex { get; }

    /// <summary>The guest-memory file in <c>/vm/{uuid}/</c> that holds this RAM: "memory" for pc.ram, "memory-nodeN" for ram-nodeN.</summary>
    public string FileName => Id == "pc.ram" ? "memory" : "memory-node" + Id["ram-node".Length..];

    /// <summary>The RAM backend that the -object value <paramref name="value"/> (at <paramref name="valueIndex"/>) defines, or null for any other object.</summary>
    public static RamBackend? TryParse(string value, int valueIndex)
    {
        if (value.TrimStart().StartsWith('{'))
        {
            JsonObject json;
            try
            {
                json = JsonNode.Parse(value) as JsonObject ?? throw new UsageException($"-object '{value}' is not a JSON object");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new UsageException($"-object '{value}' is not valid JSON: {e.Message}");
            }

            string? type = json["qom-type"] is JsonValue t && t.TryGetValue(out string? s) ? s : null;
            string? id = json["id"] is JsonValue i && i.TryGetValue(out string? d) ? d : null;
            if (!IsRamBackend(type, id))
            {
                return null;
            }

            var sizeNode = json["size"] ?? throw new UsageException($"the RAM backend {id} has no size");
            ulong size = sizeNode is JsonValue v && v.TryGetValue(out ulong n) ? n : ParseSize(sizeNode.ToString(), id!);
            return new RamBackend(id!, size, valueIndex, json, null);
        }

        var pairs = QemuOptionSyntax.KeyValues(value, "qom-type");
        string? kvType = pairs.FirstOrDefault(p => p.Key == "qom-type").Value;
        string? kvId = pairs.FirstOrDefault(p => p.Key == "id").Value;
        if (!IsRamBackend(kvType, kvId))
        {
            return null;
        }

        string sizeText = pairs.FirstOrDefault(p => p.Key == "size").Value ?? throw new UsageException($"the RAM backend {kvId} has no size");
        return new RamBackend(kvId!, ParseSize(sizeText, kvId!), valueIndex, null, pairs);
    }

    /// <summary>
    /// The -object value that puts this backend on <paramref name="placement"/>, in the syntax libvirt used. Throws
    /// <see cref="RefusedException"/> when the file's size is not the backend's (QEMU would map past the file or leave
    /// memory out).
    /// </summary>
    public string Rewrite(GuestMemoryPlacement placement, string filePath)
    {
        if (placement.Bytes != Size)
        {
            throw new RefusedException(
                $"{filePath} holds {placement.Bytes} bytes but the domain's RAM backend {Id} is {Size} bytes: nothing is resized implicitly (make the domain's memory match the file, or remove the file)");
        }

        if (_json is not null)
        {
            var json = new JsonObject { ["qom-type"] = "memory-backend-file", ["id"] = Id };
            foreach (var (key, node) in _json)
            {
                if (s_kept.Contains(key))
                {
                    json[key] = node?.DeepClone();
                }
            }

            json["mem-path"] = placement.Path;
            if (placement.Offset != 0)
            {
                json["offset"] = placement.Offset;
            }

            json["share"] = true;
            json["align"] = Align;
            return json.ToJsonString();
        }

        // QEMU's key=value lists double a comma inside a value.
        static string Escape(string text) => text.Replace(",", ",,", StringComparison.Ordinal);
        var parts = new List<string> { "memory-backend-file", "id=" + Escape(Id) };
        parts.AddRange(_pairs!.Where(p => s_kept.Contains(p.Key)).Select(p => $"{p.Key}={Escape(p.Value)}"));
        parts.Add("mem-path=" + Escape(placement.Path));
        if (placement.Offset != 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"offset={placement.Offset}"));
        }

        parts.Add("share=on");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"align={Align}"));
        return string.Join(',', parts);
    }

    private static bool IsRamBackend(string? type, string? id) =>
        type is not null && type.StartsWith("memory-backend-", StringComparison.Ordinal) && id is not null
        && (id == "pc.ram" || (id.StartsWith("ram-node", StringComparison.Ordinal) && id.Length > "ram-node".Length
            && !id.AsSpan("ram-node".Length).ContainsAnyExceptInRange('0', '9')));

    /// <summary>QEMU's size syntax: bytes, or a number with a k, M, G or T suffix (powers of 1024).</summary>
    internal static ulong ParseSize(string text, string id)
    {
        string digits = text;
        int shift = 0;
        if (text.Length > 1 && char.ToUpperInvariant(text[^1]) is 'K' or 'M' or 'G' or 'T' or 'B')
        {
            shift = char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
            digits = text[..^1];
        }

        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) && n <= ulong.MaxValue >> shift
            ? n << shift
            : throw new UsageException($"the RAM backend {id} has size '{text}', which is not a size");
    }
}
