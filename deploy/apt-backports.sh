#!/usr/bin/env bash
# apt-backports.sh PACKAGE...: installs Debian packages from bookworm-backports (QEMU 10 and its firmware; later
# libvirt 11). Debian 12 itself ships QEMU 7.2, which has no offset= on memory-backend-file and no checkpoint that
# skips shared guest RAM, so the project needs the backported QEMU. Adds the bookworm-backports suite to apt's sources
# once (backports stay pinned at priority 100: nothing else on the host is upgraded) and installs with
# -t bookworm-backports. Run as root. Used by tests/run-all.sh, the kexec lab and deploy/install.sh.
# Exit codes: 0 installed, 1 failed, 2 usage.
set -euo pipefail
(($#)) || { echo "usage: apt-backports.sh PACKAGE..." >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "apt-backports.sh: run as root to install $*" >&2; exit 1; }

sources=/etc/apt/sources.list.d/liveupdate-bookworm-backports.sources
if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat >"$sources" <<'SOURCES'
# Added by LiveUpdate's apt-backports.sh: QEMU >= 10 (and libvirt 11) come from bookworm-backports.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  echo "apt-backports.sh: added bookworm-backports ($sources)" >&2
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "$@" >/dev/null
