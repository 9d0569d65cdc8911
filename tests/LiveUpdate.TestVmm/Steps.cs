namespace LiveUpdate.TestVmm;

/// <summary>The test VMM's output: one line per step, "TAG detail", written and flushed at once.</summary>
internal static class Steps
{
    private static readonly Lock s_lock = new();

    /// <summary>Prints "<paramref name="tag"/> <paramref name="detail"/>" (line breaks in the detail become spaces).</summary>
    public static void Write(string tag, string detail = "")
    {
        var line = detail.Length == 0 ? tag : tag + " " + detail.ReplaceLineEndings(" ");
        lock (s_lock)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
