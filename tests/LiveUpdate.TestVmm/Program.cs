using LiveUpdate.Client;
using LiveUpdate.TestVmm;

// LiveUpdate.TestVmm: a test VMM on LiveUpdate.Client, started by tests/LiveUpdate.Service.Tests (EndToEnd/Lifecycle/).
// Every step prints one line to stdout, "TAG key=value ...", flushed at once, so a test can follow it line by line.
//
//   run --socket-dir D --vm UUID --name N --memory-mib M [--seed S] [--no-ack] [--device-state-kib K]
//       RegisterVmm (REGISTERED); create /vm/UUID/memory (GUEST_MEMORY of the VM), map it, fill it with the pattern of
//       seed S (READY). Then, for each event: PREPARE_FOR_UPDATE (PREPARE): create or reuse /vm/UUID/device-state
//       (DEVICE_STATE, K KiB, default 64), fill it through a mapped descriptor with the device-state pattern
//       (STATE_SAVED), AckFreeze naming it (ACKED pending=N; ACK_FAILED kind message when refused); with --no-ack it
//       never saves nor acks. THAWED (THAWED), RECLAIM_READY (RECLAIM_READY). Runs until stdin closes (EXIT, exit 0),
//       the daemon ends the stream (ENDED, exit 0) or the stream breaks (LOST kind message, exit 1).
//   reclaim --socket-dir D --vm UUID --memory-mib M [--seed S] [--no-device-state] [--timeout-s T]
//       RegisterVmm (retried while the daemon is unavailable), wait for RECLAIM_READY (sent at registration when the
//       reconcile already ended), Reclaim, open and map every file, verify memory (M MiB, pattern of S) and device state
//       (required unless --no-device-state) byte for byte: one FILE line each ("ok", or MISMATCH lines), then
//       "TIMING reclaim_ms=R verify_ms=V" (R: registration to every file mapped; V: the verification), then
//       "RECLAIMED ok verdict=V files=N" (exit 0) or "MISMATCH files=K" (exit 3). Gives up after T s (default 60).
//
// The pattern is the tests' EndToEnd/Pattern.cs: the little-endian word at offset 8k is SplitMix64(seed + (k+1)·φ);
// device state uses seed ^ 0x5EEDDE71CE57A7E5. The seed defaults to the UUID's first 8 bytes (little-endian).
// Exit codes: 0 success, 1 a failure (ERROR kind message), 2 bad command line, 3 a reclaimed file did not verify.
VmmArguments arguments;
try
{
    arguments = VmmArguments.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"LiveUpdate.TestVmm: {ex.Message}");
    Console.Error.WriteLine("usage: LiveUpdate.TestVmm run|reclaim --socket-dir D --vm UUID [--name N] --memory-mib M [--seed S] [options]");
    return 2;
}

try
{
    return arguments.Command == VmmCommand.Run
        ? await RunCommand.RunAsync(arguments)
        : await ReclaimCommand.RunAsync(arguments);
}
catch (LiveUpdateException ex)
{
    Steps.Write("ERROR", $"{ex.Error} {ex.Message}");
    return 1;
}
catch (OperationCanceledException ex)
{
    Steps.Write("ERROR", $"Canceled {ex.Message} (the limit is {arguments.Timeout.TotalSeconds:0} s)");
    Console.Error.WriteLine(ex);
    return 1;
}
