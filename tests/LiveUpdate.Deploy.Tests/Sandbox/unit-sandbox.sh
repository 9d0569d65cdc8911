#!/usr/bin/env bash
# Runs a command under an approximation of liveupdate.service's sandbox, for tests on a machine whose PID 1 is not
# systemd (so the unit itself cannot be started):
#   unit-sandbox.sh ALLOWED_SYSCALLS_FILE FAMILIES -- COMMAND [ARGS...]
# In a private mount namespace (unshare, needs root):
#   ProtectSystem=strict        every mount read-only except /dev, /proc and /sys;
#   ProtectKernelTunables=yes   /sys and /proc/sys read-only too (ProtectControlGroups: /sys/fs/cgroup with them);
#   PrivateTmp=yes              empty tmpfs on /tmp and /var/tmp;
#   ProtectHome=yes             empty tmpfs on /root, /home and /run/user;
#   UMask=0077;
#   CapabilityBoundingSet=      setpriv empties the bounding, inheritable and ambient sets (uid stays 0);
#   NoNewPrivileges=yes, SystemCallFilter=, SystemCallErrorNumber=EPERM, RestrictAddressFamilies=
#                               seccomp-exec.py beside this script (libseccomp through python3).
# Not reproduced: DevicePolicy/DeviceAllow and IPAddressDeny (cgroup BPF programs that only systemd attaches),
# RestrictNamespaces, RestrictRealtime, RestrictSUIDSGID, LockPersonality, PrivateIPC, ProtectClock, ProtectHostname.
# UNIT_SANDBOX_KEEP (optional): one directory that stays visible, read-only, at its own path even where a tmpfs
# above hides its parent (a test's install root inside a clone under /tmp or /root; on a host the unit's binaries are
# under /usr, which the sandbox keeps).
# The command is exec'd at every step, so it keeps the pid this script started with.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ "${1:-}" != --inside ]]; then
  exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift
if (($# < 4)) || [[ "$3" != -- ]]; then
  echo "usage: unit-sandbox.sh ALLOWED_SYSCALLS_FILE FAMILIES -- COMMAND [ARGS...]" >&2
  exit 2
fi
syscalls=$1
families=$2
shift 3

# Read the helper files before the mounts hide or freeze anything.
filter=$(<"$syscalls")
python=/usr/bin/python3
seccomp_exec=$(<"$here/seccomp-exec.py")

# Keep the directory before anything hides it: bind it to a private place now, back to its path after the tmpfs mounts.
keep=${UNIT_SANDBOX_KEEP:-}
if [[ -n "$keep" ]]; then
  keep=$(cd "$keep" && pwd -P)
  kept=$(mktemp -d /dev/shm/unit-sandbox-keep.XXXXXX)
  mount --bind "$keep" "$kept"
fi

while read -r mountpoint; do
  mountpoint=$(printf '%b' "$mountpoint") # mountinfo writes a space as \040
  case "$mountpoint" in
    /dev | /dev/* | /proc | /proc/*) continue ;;
  esac
  mount -o remount,bind,ro "$mountpoint" 2>/dev/null ||
    echo "unit-sandbox: warning: $mountpoint stays writable (cannot remount it read-only)" >&2
done < <(awk '{ print $5 }' /proc/self/mountinfo | sort -u)
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
for dir in /tmp /var/tmp; do
  [[ -d "$dir" ]] && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$dir"
done
for dir in /root /home /run/user; do
  [[ -d "$dir" ]] && mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$dir"
done
if [[ -n "$keep" ]]; then
  # The tmpfs mounts are still writable: recreate the path (a no-op when nothing hid it), bind back, read-only.
  mkdir -p "$keep" 2>/dev/null || true
  mount --bind "$kept" "$keep"
  mount -o remount,bind,ro "$keep"
  umount "$kept" && rmdir "$kept"
fi

if touch /.unit-sandbox-probe 2>/dev/null; then
  echo "unit-sandbox: / is still writable" >&2
  exit 1
fi

umask 0077
filter_file=$(mktemp /tmp/unit-sandbox-filter.XXXXXX)
printf '%s\n' "$filter" >"$filter_file"
exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- \
  "$python" -c "$seccomp_exec" "$filter_file" "$families" -- "$@"
