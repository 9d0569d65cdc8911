using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol;

namespace LiveUpdate.Qemu.CommandLine;

/// <summary>
/// Reads <c>liveupdate-qemu --vm UUID [--name NAME] [--memory SIZE] [--socket-dir DIR] [--shutdown-timeout DURATION]
/// -- QEMU_BINARY [QEMU ARGS...]</c>. Options take their value as the next argument or after '='; each may be given once.
/// Everything after <c>--</c> belongs to QEMU and is checked by <see cref="QemuArgumentCheck"/>.
/// </summary>
internal static class SupervisorCommandLine
{
    private const ulong TwoMiB = 2UL << 20;

    /// <summary>The options, or null when --help was asked for. Throws <see cref="UsageException"/> on bad usage.</summary>
    public static SupervisorOptions? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        for (; i < args.Count && args[i] != "--"; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"'{arg}' is not an option; QEMU and its arguments come after '--' (see --help)");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string option = equals < 0 ? arg[2..] : arg[2..equals];
            if (option is not ("vm" or "name" or "memory" or "socket-dir" or "shutdown-timeout"))
            {
                throw new UsageException($"unknown option '--{option}' (see --help)");
            }

            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && args[i + 1] != "--")
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{option} needs a value");
            }

            if (!values.TryAdd(option, value))
            {
                throw new UsageException($"--{option} is given twice");
            }
        }

        if (i >= args.Count)
        {
            throw new UsageException("no QEMU to run: end the options with '-- QEMU_BINARY [QEMU ARGS...]'");
        }

        if (i + 1 >= args.Count || args[i + 1].Length == 0)
        {
            throw new UsageException("no QEMU binary after '--'");
        }

        if (!values.TryGetValue("vm", out string? vmText))
        {
            throw new UsageException("--vm UUID is required");
        }

        if (!Guid.TryParseExact(vmText, "D", out Guid vm) || vm == Guid.Empty)
        {
            throw new UsageException($"--vm '{vmText}' is not a UUID (8-4-4-4-12 hexadecimal digits, not all zero)");
        }

        string name = values.GetValueOrDefault("name") ?? vm.ToString("D");
        if (name.Length is 0 or > 128 || name.Any(char.IsControl))
        {
            throw new UsageException($"--name '{name}' must be 1 to 128 printable characters");
        }

        ulong? memory = null;
        if (values.TryGetValue("memory", out string? memoryText))
        {
            if (!ByteSize.TryParse(memoryText, out ulong bytes, out string? error))
            {
                throw new UsageException($"--memory {error}");
            }

            if (bytes == 0 || bytes % TwoMiB != 0)
            {
                throw new UsageException($"--memory {memoryText} is not a positive multiple of 2 MiB (guest memory is mapped in 2 MiB pages)");
            }

            memory = bytes;
        }

        string? socketDirectory = values.GetValueOrDefault("socket-dir");
        if (socketDirectory is not null && !Path.IsPathRooted(socketDirectory))
        {
            throw new UsageException($"--socket-dir '{socketDirectory}' is not an absolute path");
        }

        TimeSpan shutdownTimeout = SupervisorOptions.DefaultShutdownTimeout;
        if (values.TryGetValue("shutdown-timeout", out string? timeoutText) && !AgeParser.TryParse(timeoutText, out shutdownTimeout, out string? timeoutError))
        {
            throw new UsageException($"--shutdown-timeout {timeoutError}");
        }

        string[] qemuArguments = [.. args.Skip(i + 2)];
        QemuArgumentCheck.Check(qemuArguments);
        return new SupervisorOptions(vm, name, memory, socketDirectory, shutdownTimeout, args[i + 1], qemuArguments);
    }
}
