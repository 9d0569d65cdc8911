using System.Text.Json.Nodes;

namespace LiveUpdate.Emulator.Proxy;

/// <summary>
/// The commands the proxy answers itself with an error instead of forwarding: internal memory snapshots
/// (<c>snapshot-save</c>, HMP <c>savevm</c>). Guest RAM is shared and skipped, so such a snapshot would not hold it.
/// </summary>
internal static class SnapshotRefusal
{
    /// <summary>The error text libvirt reports to the operator.</summary>
    public const string Reason =
        "liveupdate-emulator: internal snapshots of a persistent domain are refused: its guest RAM lives in the LiveUpdate region and a snapshot would not contain it";

    /// <summary>The error reply for <paramref name="command"/> (a parsed QMP command), or null when it may pass.</summary>
    public static string? ReplyTo(JsonObject command)
    {
        string? execute = command["execute"] is JsonValue e && e.TryGetValue(out string? name) ? name : null;
        bool refused = execute == "snapshot-save"
            || (execute == "human-monitor-command" && command["arguments"]?["command-line"] is JsonValue line
                && line.TryGetValue(out string? text) && IsSavevm(text));
        if (!refused)
        {
            return null;
        }

        var reply = new JsonObject { ["error"] = new JsonObject { ["class"] = "GenericError", ["desc"] = Reason } };
        if (command["id"] is { } id)
        {
            reply["id"] = id.DeepClone();
        }

        return reply.ToJsonString();
    }

    private static bool IsSavevm(string commandLine)
    {
        string word = commandLine.TrimStart().Split(' ', 2)[0];
        return word is "savevm";
    }
}
