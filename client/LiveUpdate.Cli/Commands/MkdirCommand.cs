using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Client;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl mkdir [-p] PATH</c> (Files.MakeDirectory).</summary>
internal static class MkdirCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "The new directory's path, e.g. /vm/web-01" }.RegionPath();
        var parents = new Option<bool>("--parents", "-p") { Description = "Create missing parents too, and accept a directory that exists" };
        var owner = new Option<uint?>("--owner") { Description = "Owner uid [default: the caller]", HelpName = "UID", CustomParser = ArgumentParsers.Uid };
        var command = new Command("mkdir", "Create a directory in the region") { path, parents, owner };
        setup.Describe(command, """
            JSON (--json): the directory's FileInfo, as in 'luctl stat --json'.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            string target = context.Get(path)!;
            uint? ownerUid = context.Get(owner);
            FileInfo directory;
            if (context.Get(parents))
            {
                await CreateParentsAsync(context, target, ownerUid, cancellationToken).ConfigureAwait(false);
                directory = await MakeIfMissingAsync(context.Client, target, ownerUid, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                directory = await context.Client.MakeDirectoryAsync(target, ownerUid, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (context.Json)
            {
                JsonOutput.Write(context.Out, directory);
            }
            else
            {
                context.Out.WriteLine($"directory {directory.Path} (owner {directory.OwnerUid}, mode {Humanize.Mode(directory.Mode)})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Creates each missing directory above <paramref name="path"/>, from the root down.</summary>
    internal static async Task CreateParentsAsync(CommandContext context, string path, uint? ownerUid, CancellationToken cancellationToken)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string prefix = string.Empty;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            prefix += "/" + parts[i];
            await MakeIfMissingAsync(context.Client, prefix, ownerUid, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>MakeDirectory, or Stat when it exists already (a file of that name fails later, with the daemon's own error).</summary>
    private static async Task<FileInfo> MakeIfMissingAsync(LiveUpdateClient client, string path, uint? ownerUid, CancellationToken cancellationToken)
    {
        try
        {
            return await client.MakeDirectoryAsync(path, ownerUid, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException exception) when (exception.Error == LiveUpdateError.AlreadyExists)
        {
            return await client.StatAsync(path, cancellationToken).ConfigureAwait(false);
        }
    }
}
