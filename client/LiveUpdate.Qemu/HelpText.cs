namespace LiveUpdate.Qemu;

/// <summary>liveupdate-qemu --help.</summary>
internal static class HelpText
{
    public const string Text = """
        Usage: liveupdate-qemu --vm UUID [--name NAME] [--memory SIZE] [--socket-dir DIR] [--shutdown-timeout DURATION]
                               -- QEMU_BINARY [QEMU ARGS...]

        Runs an unmodified QEMU (10 or later) whose guest RAM lives in the LiveUpdate region, and carries the VM across
        a live update: on the daemon's freeze it pauses the guest and saves its device state (guest RAM stays where it
        is), and run again after the kexec with the same arguments it resumes the guest where it was, without a reboot.

        Options:
          --vm UUID                 the VM; its files are /vm/UUID/memory (guest memory) and /vm/UUID/device-state
          --name NAME               the name it registers with the daemon (default: the UUID)
          --memory SIZE             creates /vm/UUID/memory of SIZE (a multiple of 2 MiB: 512M, 4G) when it does not
                                    exist; a file that exists is used as it is, and a different SIZE is refused
          --socket-dir DIR          the daemon's socket directory (default: $LIVEUPDATE_SOCKET_DIR, /run/liveupdate)
          --shutdown-timeout DURATION
                                    on SIGTERM/SIGINT, how long the guest gets to power down (default 30s; 0 = quit at once)
          -h, --help                this text

        It adds to QEMU's arguments the guest memory (-object memory-backend-file,…,share=on,align=2M on the region at
        the file's offset, -machine memory-backend=, -m) and a QMP socket of its own; the caller's arguments give
        everything else (machine, kernel, disks, serial, accel). Refused among QEMU's arguments (exit 2): -m, memory
        backends, -machine memory-backend=, -mem-path, -mem-prealloc, -numa with memory, -qmp, -qmp-pretty,
        -mon mode=control, -incoming, -daemonize, -S, -preconfig, -readconfig. A human monitor (-monitor) is fine.

        A start after a planned update (the device state holds a saved state) resumes the guest; without one it starts
        fresh. A state saved against another instance of the memory file (removed and recreated since) is refused:
        remove /vm/UUID/device-state to start fresh. Its QMP socket lives in $RUNTIME_DIRECTORY, else in
        DIR/qemu-UUID. Steps are logged on stderr with their durations.

        Exit status: QEMU's own (128+N when signal N killed it); 2 bad usage (nothing created or started); 3 refused
        before QEMU started (one line naming the file: wrong memory size, state of another memory instance, another
        supervisor of the VM, host frozen, daemon unreachable).
        """;
}
