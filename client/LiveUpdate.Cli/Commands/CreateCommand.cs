using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl create PATH --size SIZE --kind KIND [--vm UUID] [--owner UID] [-p]</c> (Files.CreateFile).</summary>
internal static class CreateCommand
{
    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var path = new Argument<string>("PATH") { Description = "The new file's path, e.g. /vm/web-01/ram" }.RegionPath();
        var size = new Option<ulong>("--size")
        {
            Description = $"Its size ({ByteSize.Examples}); guest memory takes a positive multiple of 2 MiB",
            HelpName = "SIZE",
            Required = true,
            CustomParser = ArgumentParsers.Size,
        };
        var kind = new Option<FileKind>("--kind")
        {
            Description = "guest-memory (a VM's RAM), device-state (a VMM's saved device state) or blob",
            HelpName = "KIND",
            Required = true,
            CustomParser = ArgumentParsers.Kind,
        };
        var vm = new Option<Guid?>("--vm") { Description = "The VM the file belongs to (reconcile matches it with libvirt's domains)", HelpName = "UUID", CustomParser = ArgumentParsers.Uuid };
        var owner = new Option<uint?>("--owner") { Description = "Owner uid [default: the caller]; only root and the admin group may name another", HelpName = "UID", CustomParser = ArgumentParsers.Uid };
        var parents = new Option<bool>("--parents", "-p") { Description = "Create missing parent directories first (owned as the file)" };
        var command = new Command("create", "Create a file in the region that reads as zeros") { path, size, kind, vm, owner, parents };
        setup.Describe(command, """
            Examples:
              luctl create /vm/web-01/ram --size 16GiB --kind guest-memory --vm 3f2504e0-4f89-11d3-9a0c-0305e82c3301 -p
              luctl create /vm/web-01/state --size 64M --kind device-state --vm 3f2504e0-4f89-11d3-9a0c-0305e82c3301

            JSON (--json): the new file's FileInfo, as in 'luctl stat --json'.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            string target = context.Get(path)!;
            uint? ownerUid = context.Get(owner);
            if (context.Get(parents))
            {
                await MkdirCommand.CreateParentsAsync(context, target, ownerUid, cancellationToken).ConfigureAwait(false);
            }

            FileInfo file = await context.Client.CreateFileAsync(
                target, context.Get(size), context.Get(kind), context.Get(vm), ownerUid, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, file);
            }
            else
            {
                context.Out.WriteLine(
                    $"created {file.Path}: {EnumNames.Of(file.Kind)}, {Humanize.Size(file.SizeBytes)} in {Humanize.Count(file.Extents.Count, "extent")}, inode {file.Inode}"
                    + (string.IsNullOrEmpty(file.VmUuid) ? string.Empty : $", VM {file.VmUuid}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
