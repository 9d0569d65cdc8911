using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectListAllDomains")]
        private static partial int VirConnectListAllDomains(SafeLibvirtConnectionHandle connection, nint** domains, uint flags);

        /// <summary>Every domain of the connection, active and inactive (flags 0), each as a handle the caller disposes.</summary>
        internal static SafeLibvirtDomainHandle[] ListAllDomains(SafeLibvirtConnectionHandle connection, string uri)
        {
            nint* list = null;
            int count = VirConnectListAllDomains(connection, &list, 0);
            if (count < 0)
            {
                throw LastError($"listing domains of {uri}");
            }

            // libvirt hands over the array and one reference per domain. Each reference goes into a handle before the
            // array is freed; if that fails half-way, the finally frees the references no handle took.
            SafeLibvirtDomainHandle[] domains = [];
            int owned = 0;
            try
            {
                domains = new SafeLibvirtDomainHandle[count];
                for (; owned < count; owned++)
                {
                    domains[owned] = new SafeLibvirtDomainHandle(list[owned]);
                }
            }
            finally
            {
                for (int i = owned; i < count; i++)
                {
                    // Nothing more can be done for a reference libvirt will not free.
                    _ = VirDomainFree(list[i]);
                }

                Libc.Free(list);
            }

            return domains;
        }

        /// <summary>
        /// <paramref name="read"/> of every domain of the connection, in libvirt's order, leaving out those it answers
        /// null for (a domain undefined meanwhile); every handle is disposed, whatever <paramref name="read"/> throws.
        /// </summary>
        internal static List<T> ReadAllDomains<T>(SafeLibvirtConnectionHandle connection, string uri, Func<SafeLibvirtDomainHandle, T?> read, CancellationToken cancellationToken)
            where T : class
        {
            SafeLibvirtDomainHandle[] domains = ListAllDomains(connection, uri);
            try
            {
                var records = new List<T>(domains.Length);
                foreach (SafeLibvirtDomainHandle domain in domains)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (read(domain) is { } record)
                    {
                        records.Add(record);
                    }
                }

                return records;
            }
            finally
            {
                foreach (SafeLibvirtDomainHandle domain in domains)
                {
                    domain.Dispose();
                }
            }
        }
    }
}
