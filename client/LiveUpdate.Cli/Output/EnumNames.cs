using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Google.Protobuf.Reflection;

namespace LiveUpdate.Cli.Output;

/// <summary>
/// Protocol enum values as luctl prints them, in text and in JSON alike: the proto value name without its type's
/// prefix (<c>FREEZE_PHASE_FROZEN</c> → <c>FROZEN</c>, <c>RECONCILE_CAUSE_PLANNED_UPDATE</c> → <c>PLANNED_UPDATE</c>,
/// <c>GUEST_MEMORY</c> stays).
/// </summary>
internal static class EnumNames
{
    private static readonly ConcurrentDictionary<System.Enum, string> s_names = new();

    /// <summary>The short proto name of <paramref name="value"/>; its number for a value the protocol does not know (yet).</summary>
    public static string Of(System.Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return s_names.GetOrAdd(value, static v =>
        {
            string member = System.Enum.GetName(v.GetType(), v) ?? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string original = v.GetType().GetField(member)?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? member;
            string prefix = ScreamingSnake(v.GetType().Name) + "_";
            return original.StartsWith(prefix, StringComparison.Ordinal) && original.Length > prefix.Length ? original[prefix.Length..] : original;
        });
    }

    /// <summary><c>FreezePhase</c> → <c>FREEZE_PHASE</c>.</summary>
    private static string ScreamingSnake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(pascal[i]));
        }

        return builder.ToString();
    }
}
