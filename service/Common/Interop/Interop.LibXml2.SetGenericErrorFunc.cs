using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class LibXml2
    {
        /// <summary>xmlSetGenericErrorFunc: the generic error handler of the calling thread.</summary>
        [LibraryImport(Libraries.LibXml2, EntryPoint = "xmlSetGenericErrorFunc")]
        internal static partial void SetGenericErrorFunc(void* context, delegate* unmanaged[Cdecl]<void*, byte*, void> handler);
    }
}
