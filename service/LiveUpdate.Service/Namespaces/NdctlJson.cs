using System.Text.Json;
using LiveUpdate.Region;

namespace LiveUpdate.Service.Namespaces;

/// <summary>
/// Reads the JSON ndctl prints (<c>create-namespace</c>, <c>list -N</c>): one namespace is printed as an object, several
/// as an array, none as nothing. Only the fields the daemon uses are read; the rest of a namespace's facts come from
/// sysfs, which is the kernel's own ABI.
/// </summary>
internal static class NdctlJson
{
    /// <summary>One namespace as ndctl describes it.</summary>
    /// <param name="Device">Its nd device name, e.g. <c>namespace0.1</c> (what destroy-namespace takes).</param>
    /// <param name="Name">Its label's name, or null.</param>
    /// <param name="Mode">"devdax", "fsdax", "raw", …, or null.</param>
    /// <param name="Size">Bytes of its device as ndctl reports them (after the info block), or null.</param>
    /// <param name="CharacterDevices">The dax character devices ndctl lists under <c>daxregion.devices</c>, e.g. <c>dax0.1</c>.</param>
    internal sealed record Namespace(string Device, string? Name, string? Mode, long? Size, IReadOnlyList<string> CharacterDevices);

    /// <summary>Parses ndctl's output; throws <see cref="RegionException"/> (Io) naming the command when it is not what ndctl prints.</summary>
    public static IReadOnlyList<Namespace> Parse(string json, string command)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.Array => [.. root.EnumerateArray().Select(element => Read(element, command))],
                JsonValueKind.Object => [Read(root, command)],
                _ => throw Unexpected(command, $"a JSON {root.ValueKind}"),
            };
        }
        catch (JsonException ex)
        {
            throw new RegionException(RegionError.Io, $"{command} printed something that is not JSON: {ex.Message}", ex);
        }
    }

    private static Namespace Read(JsonElement element, string command)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("dev", out var dev) || dev.ValueKind != JsonValueKind.String)
        {
            throw Unexpected(command, "a namespace without a \"dev\" name");
        }

        var devices = new List<string>();
        if (element.TryGetProperty("daxregion", out var region) && region.ValueKind == JsonValueKind.Object
            && region.TryGetProperty("devices", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var device in list.EnumerateArray())
            {
                if (device.ValueKind == JsonValueKind.Object && device.TryGetProperty("chardev", out var chardev) && chardev.ValueKind == JsonValueKind.String)
                {
                    devices.Add(chardev.GetString()!);
                }
            }
        }

        return new Namespace(dev.GetString()!, String(element, "name"), String(element, "mode"),
            element.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var bytes) ? bytes : null,
            devices);
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static RegionException Unexpected(string command, string what) =>
        new(RegionError.Io, $"{command} printed {what}, not the namespace description ndctl prints");
}
