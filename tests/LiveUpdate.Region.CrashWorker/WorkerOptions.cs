using System.Globalization;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// Command line: <c>--region PATH --seed N --ops N [--fault-point NAME --fault-hit K] [--workload files|dma|contents]</c>.
/// The region must exist and be formatted (the test formats it once and then reuses it across kills).
/// </summary>
internal sealed record WorkerOptions(string RegionPath, int Seed, int Operations, FaultPoint? FaultPoint, int FaultHit, string Workload = "files")
{
    public const string Usage = "usage: LiveUpdate.Region.CrashWorker --region PATH --seed N --ops N [--fault-point NAME --fault-hit K] [--workload files|dma|contents]";

    /// <summary>Parses the arguments or throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static WorkerOptions Parse(string[] args)
    {
        string? region = null;
        int? seed = null, operations = null, hit = null;
        FaultPoint? point = null;
        var workload = "files";
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value");
            }

            var value = args[i + 1];
            switch (args[i])
            {
                case "--region":
                    region = value;
                    break;
                case "--seed":
                    seed = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--ops":
                    operations = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--fault-point":
                    point = Enum.TryParse<FaultPoint>(value, out var parsed) && Enum.IsDefined(parsed)
                        ? parsed
                        : throw new ArgumentException($"unknown fault point '{value}'; one of {string.Join(", ", Enum.GetNames<FaultPoint>())}");
                    break;
                case "--workload":
                    workload = value is "files" or "dma" or "contents"
                        ? value
                        : throw new ArgumentException($"unknown workload '{value}'; files, dma or contents");
                    break;
                case "--fault-hit":
                    hit = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        if (region is null || seed is null || operations is null)
        {
            throw new ArgumentException("--region, --seed and --ops are required");
        }

        if (operations < 0 || hit is <= 0 || (point is null) != (hit is null))
        {
            throw new ArgumentException("--ops must not be negative; --fault-point and --fault-hit (at least 1) go together");
        }

        return new WorkerOptions(region, seed.Value, operations.Value, point, hit ?? 0, workload);
    }
}
