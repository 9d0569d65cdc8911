using System.Runtime.CompilerServices;
using PublicApiGenerator;

namespace LiveUpdate.Client.Tests;

/// <summary>
/// The public surface of LiveUpdate.Client is a contract VMM authors build on: any change to it shows up here, in
/// review, as a change of LiveUpdate.Client.approved.txt. The generated protocol types are the contract of protos/ and
/// are left out; what the client's own members take and return is in.
/// </summary>
public sealed class PublicApiTests
{
    private const string ApprovedName = "LiveUpdate.Client.approved.txt";
    private const string ReceivedName = "LiveUpdate.Client.received.txt";

    [Fact]
    public void PublicApi_IsTheApprovedOne()
    {
        var received = Normalize(typeof(LiveUpdateClient).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            DenyNamespacePrefixes = ["System", "Microsoft", "LiveUpdate.Protocol"],
        }));
        var directory = SourceDirectory();
        var approvedPath = Path.Combine(directory, ApprovedName);
        var receivedPath = Path.Combine(directory, ReceivedName);
        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : string.Empty;

        if (received == approved)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        Assert.Fail(
            $"The public API of LiveUpdate.Client differs from {approvedPath}; the new one is in {receivedPath}. " +
            $"Compare them (diff {approvedPath} {receivedPath}); if the change is intended, accept it with " +
            $"mv {receivedPath} {approvedPath} and commit the approved file.");
    }

    private static string Normalize(string api) => api.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string SourceDirectory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;
}
