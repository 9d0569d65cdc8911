using LiveUpdate.Cli;

return await Luctl.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
