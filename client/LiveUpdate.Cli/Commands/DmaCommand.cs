using System.CommandLine;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiveUpdate.Cli.Errors;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl dma ls</c> and <c>luctl dma translate DOMAIN IOVA</c>: the daemon's <c>liveupdate.v1.Dma</c> service
/// (DESIGN §8). That service does not exist yet, and the client library has no stub for it: luctl asks for it by name
/// on the client's channel, and reports the daemon's UNIMPLEMENTED as what it is. It never makes output up.
/// </summary>
internal static partial class DmaCommand
{
    /// <summary>The service's full name in the contract.</summary>
    internal const string ServiceName = "liveupdate.v1.Dma";

    private static readonly Marshaller<Empty> s_empty = Marshallers.Create(Google.Protobuf.MessageExtensions.ToByteArray, Empty.Parser.ParseFrom);

    /// <summary>Defines <c>dma</c> and its subcommands.</summary>
    public static Command Create(CommandSetup setup)
    {
        var list = new Command("ls", "List the DMA domains: devices, mapped bytes, and the physical address of each root table");
        setup.SetAction(list, (context, cancellationToken) => ProbeAsync(context, "ListDomains", cancellationToken));

        var domain = new Argument<string>("DOMAIN") { Description = "A domain id (decimal) or a PCI address (0000:01:00.0)" };
        domain.Validators.Add(result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (!DomainPattern().IsMatch(text))
            {
                result.AddError($"DOMAIN: '{text}' is neither a domain id nor a PCI address (0000:01:00.0)");
            }
        });
        var iova = new Argument<ulong>("IOVA") { Description = "The I/O virtual address to translate (0x hex or decimal)", CustomParser = ArgumentParsers.Address };
        var translate = new Command("translate", "Walk a domain's persistent IOMMU tables for IOVA: physical address, permissions, page size") { domain, iova };
        setup.SetAction(translate, (context, cancellationToken) => ProbeAsync(context, "Translate", cancellationToken));

        var command = new Command("dma", "Persistent DMA (IOMMU) domains; not served by this daemon version yet") { list, translate };
        const string Details = """
            The daemon's Dma service (persistent VT-d page tables) is not implemented yet: these commands ask the daemon
            for it and report its UNIMPLEMENTED answer in one line, exit 1. They print nothing else.
            """;
        setup.Describe(command, Details);
        setup.Describe(list, Details);
        setup.Describe(translate, Details);
        return command;
    }

    /// <summary>Calls <paramref name="method"/> of the Dma service and turns the daemon's answer into luctl's.</summary>
    private static async Task<int> ProbeAsync(CommandContext context, string method, CancellationToken cancellationToken)
    {
        var call = new Method<Empty, Empty>(MethodType.Unary, ServiceName, method, s_empty, s_empty);
        try
        {
            await context.Client.Channel.CreateCallInvoker()
                .AsyncUnaryCall(call, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken), new Empty())
                .ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Unimplemented)
        {
            throw new CliException(
                ExitCodes.Failed,
                $"UNIMPLEMENTED: the daemon has no Dma service yet ({ServiceName}/{method}): persistent IOMMU tables are not available in this daemon version",
                exception);
        }

        throw new CliException(ExitCodes.Failed, $"the daemon answered {ServiceName}/{method}, but this luctl does not know the Dma messages yet: update luctl");
    }

    [GeneratedRegex(@"^([0-9]{1,10}|[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7])$")]
    private static partial Regex DomainPattern();
}
