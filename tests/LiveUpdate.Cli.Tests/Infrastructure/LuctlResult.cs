namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>What one luctl process did: exit code, stdout, stderr, and how long it ran.</summary>
public sealed record LuctlResult(string[] Arguments, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>For assertion messages: the command line and everything it printed.</summary>
    public override string ToString() =>
        $"luctl {string.Join(' ', Arguments)} -> exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\n--- stdout\n{Stdout}--- stderr\n{Stderr}";

    /// <summary>Stdout as a parsed JSON document (fails the test, with the output, when it does not parse).</summary>
    public System.Text.Json.JsonElement Json
    {
        get
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(Stdout);
                return document.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({ex.Message}):\n{this}");
            }
        }
    }
}
