using System.Collections;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace LiveUpdate.Cli.Output;

/// <summary>
/// Writes a <c>liveupdate.v1</c> message as a JSON object for scripts, with the contract's own names: every field
/// under its proto field name (snake_case, normative: never renamed), always present (defaults included), in field
/// number order. Values: 64-bit integers as JSON numbers, enums as their short names (<see cref="EnumNames"/>),
/// <c>Timestamp</c> as an RFC 3339 UTC string, <c>Duration</c> as a number of seconds under the field's name plus
/// <c>_seconds</c>, an unset message as null, bytes as base64.
/// </summary>
/// <remarks>
/// Not protobuf's canonical JSON mapping (which quotes 64-bit integers, camelCases names and omits defaults): these
/// objects are meant for <c>jq</c> and shell scripts.
/// </remarks>
internal static class ProtoJson
{
    /// <summary>Writes <paramref name="message"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteFields(writer, message);
        writer.WriteEndObject();
    }

    /// <summary>Writes the fields of <paramref name="message"/> into the object being written (callers may add their own).</summary>
    public static void WriteFields(Utf8JsonWriter writer, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        foreach (FieldDescriptor field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            object? value = field.Accessor.GetValue(message);
            writer.WritePropertyName(NameOf(field));
            if (field.IsRepeated)
            {
                writer.WriteStartArray();
                foreach (object? item in (IList)value!)
                {
                    WriteValue(writer, field, item);
                }

                writer.WriteEndArray();
            }
            else
            {
                WriteValue(writer, field, value);
            }
        }
    }

    /// <summary>The JSON name of <paramref name="field"/>: its proto name, plus <c>_seconds</c> for a Duration.</summary>
    internal static string NameOf(FieldDescriptor field) =>
        field.FieldType == FieldType.Message && field.MessageType.FullName == Duration.Descriptor.FullName
            ? field.Name + "_seconds"
            : field.Name;

    private static void WriteValue(Utf8JsonWriter writer, FieldDescriptor field, object? value)
    {
        switch (field.FieldType)
        {
            case FieldType.Bool:
                writer.WriteBooleanValue((bool)value!);
                break;
            case FieldType.String:
                writer.WriteStringValue((string)value!);
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                writer.WriteNumberValue((ulong)value!);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                writer.WriteNumberValue((long)value!);
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                writer.WriteNumberValue((uint)value!);
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                writer.WriteNumberValue((int)value!);
                break;
            case FieldType.Double:
                writer.WriteNumberValue((double)value!);
                break;
            case FieldType.Float:
                writer.WriteNumberValue((float)value!);
                break;
            case FieldType.Bytes:
                writer.WriteBase64StringValue(((ByteString)value!).Span);
                break;
            case FieldType.Enum:
                writer.WriteStringValue(value is System.Enum e ? EnumNames.Of(e) : Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case FieldType.Message:
                WriteMessageValue(writer, (IMessage?)value);
                break;
            default:
                throw new NotSupportedException($"field {field.FullName} has type {field.FieldType}");
        }
    }

    private static void WriteMessageValue(Utf8JsonWriter writer, IMessage? message)
    {
        switch (message)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Timestamp timestamp:
                writer.WriteStringValue(timestamp.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
                break;
            case Duration duration:
                writer.WriteNumberValue(duration.ToTimeSpan().TotalSeconds);
                break;
            default:
                Write(writer, message);
                break;
        }
    }
}
