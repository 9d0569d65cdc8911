/// <summary>
/// A libvirt call failed: what the daemon was doing, and libvirt's own error (virErrorNumber, virErrorDomain, message),
/// e.g. "listing domains of qemu:///system failed: … (libvirt error 38, domain 7)".
/// </summary>
internal sealed class LibvirtException : Exception
{
    /// <summary>Creates the exception; <paramref name="libvirtMessage"/> is null when libvirt reported no error.</summary>
    public LibvirtException(string operation, int code, int domain, string? libvirtMessage, Exception? innerException = null)
        : base($"{operation} failed: {libvirtMessage ?? "libvirt reported no error"} (libvirt error {code}, domain {domain})", innerException)
    {
        Operation = operation;
        Code = code;
        Domain = domain;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>What the daemon was doing ("opening libvirt connection test:///…").</summary>
    public string Operation { get; }

    /// <summary>libvirt's virErrorNumber (VIR_ERR_*); 0 when libvirt reported none (e.g. libvirt.so.0 is missing).</summary>
    public int Code { get; }

    /// <summary>libvirt's virErrorDomain (VIR_FROM_*): the part of libvirt that raised the error.</summary>
    public int Domain { get; }

    /// <summary>libvirt's message, or null.</summary>
    public string? LibvirtMessage { get; }

    /// <summary>
    /// True when the failure was a lost connection (libvirt says it is no longer alive), or reopening it after one; such
    /// failures are retried, so one that reaches a caller means the retries ran out.
    /// </summary>
    public bool ConnectionLost { get; internal set; }
}
