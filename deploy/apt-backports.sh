#!/usr/bin/env bash
# apt-backports.sh PACKAGE...: installs Debian packages from bookworm-backports (QEMU 10 and its firmware; later
# libvirt 11). Debian 12 itself ships QEMU 7.2, which has no offset= on memory-backend-file and no checkpoint that
# skips shared guest RAM, so the project needs the backported QEMU. Adds the bookworm-backports suite to apt's sources
# once (backports stay pinned at priority 100: nothing else on the host is upgraded) and installs with
# -t bookworm-backports. Run as root, on Debian 12 (bookworm). Used by require-qemu.sh (tests/run-all.sh, the kexec lab,
# deploy/install.sh).
# Exit codes: 0 installed, 1 failed, 2 usage.
set -euo pipefail
(($#)) || { echo "usage: apt-backports.sh PACKAGE..." >&2; exit 2; }
fail() { echo "apt-backports.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "run as root to install $*"
# Backports of one release do not fit another: on a later Debian, its own suites have what is needed.
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || codename=""
[[ "$codename" == bookworm ]] ||
  fail "this host is not Debian 12 bookworm (VERSION_CODENAME=${codename:-unknown}): install $* from its own suites"

sources=/etc/apt/sources.list.d/liveupdate-bookworm-backports.sources
if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat >"$sources.tmp" <<'SOURCES'
# Added by LiveUpdate's apt-backports.sh: QEMU >= 10 (and libvirt 11) come from bookworm-backports.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  mv -f "$sources.tmp" "$sources"
  echo "apt-backports.sh: added bookworm-backports ($sources)" >&2
fi
apt-get update -qq || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "$@" >/dev/null ||
  fail "apt-get install -t bookworm-backports $* failed"
echo "apt-backports.sh: installed $* from bookworm-backports" >&2
