using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Region.Dma;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>
/// Checks of request fields made before the engine is touched; each failure is INVALID_ARGUMENT naming the field. Path
/// syntax (absolute, components, name rules) is the engine's, which also checks it before changing anything.
/// </summary>
internal static class RequestValidation
{
    /// <summary>Largest permission bits accepted (rwxrwxrwx; no setuid, setgid or sticky bit).</summary>
    public const uint MaxMode = 0x1FF;

    /// <summary>A size that fits the engine's signed 64-bit sizes.</summary>
    public static long Size(ulong size, string field) =>
        size <= long.MaxValue ? (long)size : throw Invalid($"{field} {size} is larger than the largest size ({long.MaxValue})");

    /// <summary>The engine kind of a kind CreateFile accepts: GUEST_MEMORY, DEVICE_STATE or BLOB.</summary>
    public static FileKind CreatableKind(Proto.FileKind kind) => kind switch
    {
        Proto.FileKind.GuestMemory => FileKind.GuestMemory,
        Proto.FileKind.DeviceState => FileKind.DeviceState,
        Proto.FileKind.Blob => FileKind.Blob,
        Proto.FileKind.Unspecified => throw Invalid("kind is required: GUEST_MEMORY, DEVICE_STATE or BLOB"),
        Proto.FileKind.IommuPgtable => throw Invalid("IOMMU_PGTABLE files are created by the Dma service, not by CreateFile"),
        Proto.FileKind.Directory => throw Invalid("use MakeDirectory to create a directory"),
        _ => throw Invalid($"kind {(int)kind} is not a known file kind"),
    };

    /// <summary>
    /// A VM UUID: empty for none, else exactly 8-4-4-4-12 hex digits (either case; stored and returned in lower case).
    /// The length is checked first because Guid.TryParseExact ignores leading and trailing white space.
    /// </summary>
    public static Guid VmUuid(string text) =>
        text.Length == 0 ? Guid.Empty
        : text.Length == 36 && Guid.TryParseExact(text, "D", out var uuid) ? uuid
        : throw Invalid($"vm_uuid '{Shorten(text)}' is not a canonical UUID (8-4-4-4-12 hex digits)");

    /// <summary>A VM UUID that must be given (RegisterVmm, AckFreeze, Reclaim).</summary>
    public static Guid RequiredVmUuid(string text) =>
        VmUuid(text) is var uuid && uuid != Guid.Empty ? uuid : throw Invalid("vm_uuid is required (8-4-4-4-12 hex digits)");

    /// <summary>A VMM's display name: 1–128 characters, none of them control characters.</summary>
    public static string VmmName(string name) =>
        name.Length is > 0 and <= 128 && !name.Any(char.IsControl) ? name
        : throw Invalid($"name '{Shorten(name)}' must be 1–128 printable characters");

    /// <summary>A VMM's reason for failing a freeze: 1–1024 characters on one line (control characters refused).</summary>
    public static string FailureReason(string reason) =>
        reason.Trim() is { Length: > 0 and <= 1024 } trimmed && !trimmed.Any(char.IsControl) ? trimmed
        : throw Invalid($"failure '{Shorten(reason)}' must be 1–1024 printable characters on one line");

    /// <summary>A duration field: unset gives <paramref name="fallback"/>; negative, or over <paramref name="max"/>, is refused.</summary>
    public static TimeSpan Duration(Google.Protobuf.WellKnownTypes.Duration? value, string field, TimeSpan fallback, TimeSpan max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value.Seconds < 0 || value.Nanos < 0 || value.Nanos >= 1_000_000_000 || value.Seconds > (long)max.TotalSeconds)
        {
            throw Invalid($"{field} must be between 0 and {max.TotalSeconds:0} s");
        }

        var span = value.ToTimeSpan();
        return span <= max ? span : throw Invalid($"{field} must be between 0 and {max.TotalSeconds:0} s");
    }

    /// <summary>Permission bits, at most 0777; <paramref name="fallback"/> when unset.</summary>
    public static uint Mode(bool hasMode, uint mode, uint fallback) =>
        !hasMode ? fallback
        : mode <= MaxMode ? mode
        : throw Invalid($"mode 0{Convert.ToString(mode, 8)} is not permission bits (at most 0777)");

    /// <summary>An owner uid, when set: any uid but (uid_t)-1.</summary>
    public static uint? OwnerUid(bool hasOwner, uint uid) =>
        !hasOwner ? null
        : uid != uint.MaxValue ? uid
        : throw Invalid("owner_uid 4294967295 ((uid_t)-1) is not a uid");

    /// <summary>True for READ_WRITE, false for READ_ONLY; anything else is refused.</summary>
    public static bool Writable(Proto.Access access) => access switch
    {
        Proto.Access.ReadOnly => false,
        Proto.Access.ReadWrite => true,
        Proto.Access.Unspecified => throw Invalid("access is required: READ_ONLY or READ_WRITE"),
        _ => throw Invalid($"access {(int)access} is not a known access"),
    };

    /// <summary>A VT-d domain id: 1–65535 (0 is reserved by VT-d, and ids are 16 bits).</summary>
    public static ushort DomainId(uint id, string field = "domain_id") =>
        id is > 0 and <= ushort.MaxValue ? (ushort)id : throw Invalid($"{field} {id} is not a domain id: use 1–65535 (0 is reserved by VT-d)");

    /// <summary>An IOMMU address width: 39, 48 or 57 bits (3, 4 or 5 levels of second-level tables).</summary>
    public static int AddressWidth(uint width) =>
        width is 39 or 48 or 57 ? (int)width : throw Invalid($"address_width {width} is not one VT-d supports: use 39 (3 levels), 48 (4) or 57 (5)");

    /// <summary>A PCI function address, DDDD:BB:DD.F in hexadecimal (0000:01:00.0).</summary>
    public static PciAddress Pci(string text, string field = "pci_address") =>
        text.Length == 0 ? throw Invalid($"{field} is required (DDDD:BB:DD.F, for example 0000:01:00.0)")
        : PciAddress.TryParse(text, out var address) ? address
        : throw Invalid($"{field} '{Shorten(text)}' is not a PCI address: expected DDDD:BB:DD.F in hexadecimal, device ≤ 1f and function ≤ 7 (for example 0000:01:00.0)");

    /// <summary>A path field: must be set (its syntax is checked by the engine).</summary>
    public static string Path(string path, string field) =>
        path.Length > 0 ? path : throw Invalid($"{field} is required (an absolute path such as /vm/ram)");

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
