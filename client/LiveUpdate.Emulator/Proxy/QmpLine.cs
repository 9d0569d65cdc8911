using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Emulator.Proxy;

/// <summary>
/// One QMP message as read (without its line ending), and the descriptors that arrived with it (SCM_RIGHTS: libvirt
/// passes files to QEMU's <c>getfd</c> and <c>add-fd</c> this way). Whoever takes the line owns the descriptors.
/// </summary>
/// <param name="Text">The JSON text.</param>
/// <param name="Descriptors">Descriptors received up to the end of this line.</param>
internal sealed record QmpLine(string Text, IReadOnlyList<SafeFileHandle> Descriptors)
{
    /// <summary>Closes the descriptors (a line that is not forwarded).</summary>
    public void CloseDescriptors()
    {
        foreach (var fd in Descriptors)
        {
            fd.Dispose();
        }
    }
}
