using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class LibXml2
    {
        /// <summary>xmlThrDefSetGenericErrorFunc: the default generic error handler a thread copies when it first uses libxml2.</summary>
        [LibraryImport(Libraries.LibXml2, EntryPoint = "xmlThrDefSetGenericErrorFunc")]
        internal static partial void ThrDefSetGenericErrorFunc(void* context, delegate* unmanaged[Cdecl]<void*, byte*, void> handler);
    }
}
