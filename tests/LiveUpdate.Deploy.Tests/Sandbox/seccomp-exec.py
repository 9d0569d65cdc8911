"""Runs a command under a seccomp filter like systemd's SystemCallFilter= and RestrictAddressFamilies= (tests only).

    python3 seccomp-exec.py ALLOWED_SYSCALLS_FILE FAMILIES -- COMMAND [ARGS...]

ALLOWED_SYSCALLS_FILE lists the allowed system calls, one name a line (as `systemd-analyze syscall-filter` names them);
every other call of the native architecture fails with EPERM (SystemCallErrorNumber=EPERM). FAMILIES is a comma-separated
list of address family numbers socket() may create (1 AF_UNIX, 2 AF_INET, 10 AF_INET6); others fail with EPERM.
Built with libseccomp (libseccomp.so.2, a dependency of systemd itself) through ctypes; no_new_privs is set, as
NoNewPrivileges=yes does. The command is exec'd, so it keeps this process's pid.
"""
import ctypes
import errno
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4


def scmp_act_errno(code):
    return 0x00050000 | (code & 0x0000FFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: seccomp-exec.py ALLOWED_SYSCALLS_FILE FAMILIES -- COMMAND [ARGS...]")
    with open(sys.argv[1], encoding="ascii") as f:
        names = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    families = [int(x) for x in sys.argv[2].split(",") if x]
    command = sys.argv[4:]

    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]

    ctx = lib.seccomp_init(scmp_act_errno(errno.EPERM))
    if not ctx:
        sys.exit("seccomp_init failed")
    allowed = 0
    for name in names:
        number = lib.seccomp_syscall_resolve_name(name.encode("ascii"))
        if number == -1:
            continue  # not a system call libseccomp knows on this architecture
        if name == "socket":
            for family in families:
                cmp = ArgCmp(0, SCMP_CMP_EQ, family, 0)
                rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, number, 1, ctypes.byref(cmp))
                if rc != 0:
                    sys.exit("seccomp_rule_add(socket, family %d) failed: %d" % (family, rc))
            continue
        rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, number, 0, None)
        # Negative pseudo-numbers (calls of other architectures) may be refused: they cannot happen here anyway.
        if rc == 0:
            allowed += 1
        elif number >= 0:
            sys.exit("seccomp_rule_add(%s) failed: %d" % (name, rc))
    rc = lib.seccomp_load(ctx)
    if rc != 0:
        sys.exit("seccomp_load failed: %d" % rc)
    sys.stderr.write("seccomp-exec: %d system calls allowed, socket families %s\n" % (allowed, families))
    sys.stderr.flush()
    os.execvp(command[0], command)


main()
