namespace LiveUpdate.Service.Namespaces;

/// <summary>
/// How large a devdax namespace must be for its device to hold a given number of bytes. A devdax namespace (map=dev)
/// starts with an 8 KiB info block followed by the struct-page array of its own pages (64 bytes per 4 KiB page, the
/// kernel's MAX_STRUCT_PAGE_SIZE), and the data starts at the next multiple of the device alignment (2 MiB): so a
/// 128 MiB namespace gives a 124 MiB device, as measured under ramdax. Namespace sizes are multiples of the region's
/// alignment (16 MiB on ramdax). The kernel's answer (the device's sysfs size) is checked after every creation; this
/// arithmetic only picks the size to ask for.
/// </summary>
internal static class NamespaceSizing
{
    /// <summary>The device alignment every namespace is created with (<c>-a 2M</c>): devdax maps in 2 MiB pages.</summary>
    public const long DeviceAlign = 2L << 20;

    /// <summary>The region alignment assumed when sysfs has no <c>align</c> attribute (ramdax's).</summary>
    public const long DefaultRegionAlign = 16L << 20;

    /// <summary>Bytes of the namespace's info block (the kernel's SZ_8K before the struct-page array).</summary>
    private const long InfoBlock = 8L << 10;

    /// <summary>Bytes of struct page reserved per 4 KiB page of the namespace (MAX_STRUCT_PAGE_SIZE).</summary>
    private const long StructPageBytes = 64;

    private const long PageSize = 4096;

    /// <summary>Bytes the device of a devdax namespace of <paramref name="namespaceSize"/> bytes holds (start aligned).</summary>
    public static long DeviceBytes(long namespaceSize)
    {
        if (namespaceSize <= InfoBlock)
        {
            return 0;
        }

        var pageArray = StructPageBytes * ((namespaceSize - InfoBlock) / PageSize);
        var dataOffset = AlignUp(InfoBlock + pageArray, DeviceAlign);
        return Math.Max(0, namespaceSize - dataOffset);
    }

    /// <summary>The smallest namespace size, a multiple of <paramref name="regionAlign"/>, whose device holds <paramref name="deviceBytes"/> bytes.</summary>
    public static long NamespaceBytes(long deviceBytes, long regionAlign)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deviceBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regionAlign);
        var step = Math.Max(regionAlign, DeviceAlign);
        var size = AlignUp(deviceBytes, step);
        while (DeviceBytes(size) < deviceBytes)
        {
            size += step;
        }

        return size;
    }

    private static long AlignUp(long value, long align) => (value + align - 1) / align * align;
}
