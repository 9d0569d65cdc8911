using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectOpenReadOnly", StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeLibvirtConnectionHandle VirConnectOpenReadOnly(string name);

        /// <summary>virConnectOpenReadOnly of <paramref name="uri"/>: read-only is all an inventory needs, and is allowed to more users.</summary>
        internal static SafeLibvirtConnectionHandle OpenReadOnly(string uri)
        {
            string operation = $"opening libvirt connection {uri}";
            EnsureInitialized(operation);
            return Opened(VirConnectOpenReadOnly(uri), operation);
        }
    }
}
