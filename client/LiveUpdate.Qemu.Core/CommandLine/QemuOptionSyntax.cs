namespace LiveUpdate.Qemu.CommandLine;

/// <summary>
/// How QEMU 10 reads its command line, as far as the conflict check needs it: which options take no value (everything
/// else takes the next argument), and the key=value lists most options take.
/// </summary>
public static class QemuOptionSyntax
{
    /// <summary>
    /// QEMU 10.0's options that take no value (qemu-options.hx entries without HAS_ARG; checked against
    /// qemu-system-x86_64 10.0.2: each is accepted followed by another option). Any other option consumes the next argument.
    /// </summary>
    private static readonly HashSet<string> s_withoutValue = new(StringComparer.Ordinal)
    {
        "h", "help", "version", "S", "s", "snapshot", "nodefaults", "no-user-config", "nographic", "full-screen", "win2k-hack",
        "no-fd-bootchk", "usb", "enable-kvm", "xen-attach", "xen-domid-restrict", "no-reboot", "no-shutdown", "daemonize",
        "enable-sync-profile", "only-migratable", "preconfig", "perfmap", "jitdump", "semihosting", "old-param", "mem-prealloc",
    };

    /// <summary>
    /// One option of the caller's: its name without dashes, its value (null when it takes none), how it was written, and
    /// where: <c>args[Index]</c> is the option, its value (when not written <c>-opt=value</c>) is <c>args[Index + 1]</c>.
    /// </summary>
    public readonly record struct QemuOption(string Name, string? Value, string Text, int Index);

    /// <summary>
    /// The options in <paramref name="args"/>, in order. <c>-opt</c>, <c>--opt</c> and <c>-opt=value</c> are all read
    /// (QEMU itself refuses the last, but the check must not miss a conflict spelled so). Arguments that are not options
    /// (QEMU takes them as a disk image) are skipped.
    /// </summary>
    public static IEnumerable<QemuOption> Options(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.Length < 2 || arg[0] != '-')
            {
                continue;
            }

            string body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            int equals = body.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                yield return new QemuOption(body[..equals], body[(equals + 1)..], arg, i);
            }
            else if (s_withoutValue.Contains(body))
            {
                yield return new QemuOption(body, null, arg, i);
            }
            else if (i + 1 < args.Count)
            {
                yield return new QemuOption(body, args[i + 1], $"{arg} {args[i + 1]}", i);
                i++;
            }
            else
            {
                throw new UsageException($"the QEMU option {arg} needs a value");
            }
        }
    }

    /// <summary>
    /// The keys of a QEMU key=value list (<c>memory-backend-file,id=m0,size=1G</c>), with ',,' read as a comma inside a
    /// value; an element without '=' is the implied key <paramref name="impliedKey"/> (-object's type, -machine's type).
    /// A JSON object (<c>{"qom-type":…}</c>, which -object and -machine also take) gives its top-level members.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> KeyValues(string value, string impliedKey)
    {
        if (value.TrimStart().StartsWith('{'))
        {
            return JsonMembers(value);
        }

        var pairs = new List<KeyValuePair<string, string>>();
        var element = new System.Text.StringBuilder();
        for (int i = 0; i <= value.Length; i++)
        {
            if (i < value.Length && value[i] == ',' && i + 1 < value.Length && value[i + 1] == ',')
            {
                element.Append(',');
                i++;
                continue;
            }

            if (i == value.Length || value[i] == ',')
            {
                string text = element.ToString();
                element.Clear();
                int equals = text.IndexOf('=', StringComparison.Ordinal);
                pairs.Add(equals < 0 ? new(impliedKey, text) : new(text[..equals], text[(equals + 1)..]));
                continue;
            }

            element.Append(value[i]);
        }

        return pairs;
    }

    private static List<KeyValuePair<string, string>> JsonMembers(string value)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(value);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new UsageException($"'{value}' is not a JSON object");
            }

            return [.. document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string>(
                p.Name, p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"'{value}' is not valid JSON: {e.Message}");
        }
    }
}
