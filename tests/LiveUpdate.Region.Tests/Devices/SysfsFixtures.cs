namespace LiveUpdate.Region.Tests.Devices;

/// <summary>The sysfs fixture roots under Fixtures/sysfs (see the README there).</summary>
internal static class SysfsFixtures
{
    public const string Pmem61 = "pmem-6.1";
    public const string HmemMappings = "hmem-mappings";
    public const string Align4K = "align-4k";
    public const string GarbageSize = "garbage-size";
    public const string Pmem54NoAlign = "pmem-5.4-noalign";

    /// <summary>The relative path of the pmem dev_dax device folder inside a pmem fixture root.</summary>
    public const string PmemDevice = "devices/platform/e820_pmem/ndbus0/region0/dax0.0/dax0.0";

    public static string Root(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sysfs", name);

    /// <summary>Copies a folder tree (files only; the build output holds no symlinks).</summary>
    public static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.EnumerateDirectories(source))
        {
            CopyTree(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }

    /// <summary>Writes one sysfs attribute, as the kernel prints it (value and a newline), creating its folder.</summary>
    public static void WriteAttribute(string directory, string name, string value)
    {
        string file = Path.Combine(directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, value + "\n");
    }
}
