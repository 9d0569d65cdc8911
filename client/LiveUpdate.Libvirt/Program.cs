using System.Runtime.InteropServices;
using LiveUpdate.Client;
using LiveUpdate.Libvirt;
using LiveUpdate.Libvirt.CommandLine;
using LiveUpdate.Libvirt.Libvirt;

AgentOptions? options;
try
{
    options = AgentCommandLine.Parse(args);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"liveupdate-libvirt: {e.Message}\nTry 'liveupdate-libvirt --help'.").ConfigureAwait(false);
    return 2;
}

if (options is null)
{
    await Console.Out.WriteLineAsync(AgentCommandLine.Help).ConfigureAwait(false);
    return 0;
}

var clientOptions = new LiveUpdateClientOptions();
if (options.SocketDirectory is { } dir)
{
    clientOptions.SocketDirectory = dir;
}

using var stopping = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
var log = new AgentLog(Console.Error);
using var libvirt = new LibvirtDomains(options.LibvirtUri);
await using var client = new LiveUpdateClient(clientOptions);
log.Line($"following the domains of {options.LibvirtUri} marked persistent (daemon at {clientOptions.SocketDirectory}, rescan every {options.RescanInterval.TotalSeconds:0.###} s)");
await new Agent(libvirt, client, log, options.RescanInterval, TimeProvider.System).RunAsync(stopping.Token).ConfigureAwait(false);
log.Line("stopped");
return 0;
