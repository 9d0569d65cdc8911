using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace LiveUpdate.Cli.Output;

/// <summary>
/// Writes a command's <c>--json</c> result: exactly one indented JSON document on stdout, ending with a newline.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,

        // Paths and messages stay readable ('+', '<', non-ASCII names): the output is a terminal or a pipe, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes whatever <paramref name="body"/> writes (one value) as the document.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            body(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Writes <paramref name="message"/> as the document (see <see cref="ProtoJson"/>).</summary>
    public static void Write(TextWriter output, IMessage message) => Write(output, writer => ProtoJson.Write(writer, message));
}
