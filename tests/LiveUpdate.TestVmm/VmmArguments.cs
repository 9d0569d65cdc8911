using System.Buffers.Binary;
using System.Globalization;

namespace LiveUpdate.TestVmm;

/// <summary>The command line of the test VMM (see Program.cs), parsed and checked.</summary>
internal sealed record VmmArguments(
    VmmCommand Command,
    string SocketDirectory,
    Guid Vm,
    string Name,
    ulong MemoryMiB,
    ulong Seed,
    bool NoAck,
    bool ExpectDeviceState,
    ulong DeviceStateBytes,
    TimeSpan Timeout)
{
    /// <summary>The VM's guest memory file.</summary>
    public string MemoryPath => $"/vm/{Vm:D}/memory";

    /// <summary>The VM's device-state file.</summary>
    public string DeviceStatePath => $"/vm/{Vm:D}/device-state";

    /// <summary>The VM's directory.</summary>
    public string VmDirectory => $"/vm/{Vm:D}";

    /// <summary>The guest memory's size in bytes.</summary>
    public ulong MemoryBytes => MemoryMiB << 20;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static VmmArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new FormatException("a command is required: run or reclaim");
        }

        var command = args[0] switch
        {
            "run" => VmmCommand.Run,
            "reclaim" => VmmCommand.Reclaim,
            _ => throw new FormatException($"unknown command '{args[0]}'"),
        };
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--no-ack" or "--no-device-state":
                    flags.Add(args[i]);
                    break;
                case "--socket-dir" or "--vm" or "--name" or "--memory-mib" or "--seed" or "--device-state-kib" or "--timeout-s":
                    values[args[i]] = i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                    break;
                default:
                    throw new FormatException($"unknown option '{args[i]}'");
            }
        }

        var socketDirectory = Required(values, "--socket-dir");
        if (!Path.IsPathRooted(socketDirectory))
        {
            throw new FormatException($"--socket-dir must be absolute, not '{socketDirectory}'");
        }

        var vm = Guid.TryParse(Required(values, "--vm"), out var uuid) && uuid != Guid.Empty
            ? uuid
            : throw new FormatException($"--vm must be a non-nil UUID, not '{values["--vm"]}'");
        var memoryMiB = Number(Required(values, "--memory-mib"), "--memory-mib");
        if (memoryMiB == 0 || memoryMiB % 2 != 0)
        {
            throw new FormatException($"--memory-mib must be a positive multiple of 2 (guest memory is 2 MiB aligned), not {memoryMiB}");
        }

        var seed = values.TryGetValue("--seed", out var s) ? Number(s, "--seed") : BinaryPrimitives.ReadUInt64LittleEndian(vm.ToByteArray());
        var stateKiB = values.TryGetValue("--device-state-kib", out var k) ? Number(k, "--device-state-kib") : 64;
        if (stateKiB == 0)
        {
            throw new FormatException("--device-state-kib must be positive");
        }

        var timeout = values.TryGetValue("--timeout-s", out var t) ? Number(t, "--timeout-s") : 60;
        return new VmmArguments(
            command,
            socketDirectory,
            vm,
            values.GetValueOrDefault("--name") ?? "testvmm-" + vm.ToString("N")[..8],
            memoryMiB,
            seed,
            flags.Contains("--no-ack"),
            !flags.Contains("--no-device-state"),
            stateKiB << 10,
            TimeSpan.FromSeconds(Math.Max(1, timeout)));
    }

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) ? value : throw new FormatException($"{name} is required");

    private static ulong Number(string text, string name) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : throw new FormatException($"{name}: '{text}' is not a number")
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"{name}: '{text}' is not a number");
}
