using LiveUpdate.Qemu;
using LiveUpdate.Qemu.CommandLine;

SupervisorOptions? options;
try
{
    options = SupervisorCommandLine.Parse(args);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"liveupdate-qemu: {e.Message}\nTry 'liveupdate-qemu --help'.").ConfigureAwait(false);
    return ExitCodes.Usage;
}

if (options is null)
{
    await Console.Out.WriteLineAsync(HelpText.Text).ConfigureAwait(false);
    return ExitCodes.Ok;
}

await using var supervisor = new Supervisor(options, Console.Error);
return await supervisor.RunAsync().ConfigureAwait(false);
