#!/usr/bin/env bash
# require-qemu.sh [--install]: makes sure QEMU >= 10 is installed, the QEMU liveupdate-qemu needs (memory-backend-file
# with offset=, a checkpoint that skips shared guest RAM). Debian 12's own QEMU is 7.2: having qemu-system-x86_64 on
# PATH is not enough, its version is what counts.
#   require-qemu.sh            checks: prints "require-qemu.sh: QEMU 10.0.2 (PATH)" and exits 0, or says what is missing
#                              and how to install it and exits 1
#   require-qemu.sh --install  the same, but when QEMU is missing or too old, installs qemu-system-x86,
#                              qemu-system-data, qemu-utils and seabios from bookworm-backports (apt-backports.sh beside
#                              this script; root), then checks again
# Used by tests/run-all.sh, the kexec lab (tests/kexec-lab/run.sh) and deploy/install.sh.
# Exit codes: 0 QEMU >= 10 is there, 1 it is not (or the install failed), 2 usage.
set -euo pipefail
readonly minimum=10
readonly packages=(qemu-system-x86 qemu-system-data qemu-utils seabios)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

install=0
case "${1:-}" in
  "") ;;
  --install) install=1 ;;
  *) echo "usage: require-qemu.sh [--install]" >&2; exit 2 ;;
esac

# The major version of qemu-system-x86_64 on PATH ("QEMU emulator version 10.0.2 (Debian …)"), or nothing.
version() {
  local path
  path=$(command -v qemu-system-x86_64) || return 0
  "$path" --version 2>/dev/null | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p'
}

check() {
  local found
  found=$(version)
  if [[ -n "$found" ]] && ((${found%%.*} >= minimum)); then
    echo "require-qemu.sh: QEMU $found ($(command -v qemu-system-x86_64))"
    return 0
  fi
  MISSING="QEMU >= $minimum is needed, found ${found:-none}"
  [[ -n "$found" ]] && MISSING+=" at $(command -v qemu-system-x86_64)"
  return 1
}

check && exit 0
how="$here/apt-backports.sh ${packages[*]}"
if ((!install)); then
  echo "require-qemu.sh: $MISSING: install it from bookworm-backports as root ($how)" >&2
  exit 1
fi
echo "require-qemu.sh: $MISSING: installing ${packages[*]} from bookworm-backports" >&2
"$here/apt-backports.sh" "${packages[@]}" || { echo "require-qemu.sh: the install failed ($how)" >&2; exit 1; }
hash -r
check && exit 0
echo "require-qemu.sh: $MISSING after installing ${packages[*]}: a QEMU earlier on PATH hides the new one?" >&2
exit 1
