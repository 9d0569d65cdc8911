#!/usr/bin/env bash
# fetch-kernel.sh CACHE_DIR: Debian's trixie-backports kernel (Linux 7.3, the first Debian kernel with the ramdax driver),
# downloaded and unpacked, never installed: the namespaces scenario of the real-kexec lab boots it inside QEMU.
#
# Its own apt configuration under CACHE_DIR/apt (one source, trixie-backports; its own lists and cache), so the host's
# apt sources stay as they are. It resolves the kernel ABI that linux-image-amd64 of trixie-backports depends on,
# restricted to the 7.3 series (KERNEL_SERIES), downloads linux-base-ABI (config, modules.builtin, modules.order),
# linux-binary-ABI (vmlinuz) and linux-modules-ABI with `apt-get download`, unpacks them with `dpkg -x` and runs
# `depmod -b` (the package ships no modules.dep). The result is cached: CACHE_DIR/ABI/usr/lib/modules/ABI; a second run
# with the same ABI downloads nothing. The kernel's config must have CONFIG_RAMDAX.
# Prints one line on stdout: "ABI DIR", DIR the root to pass to build-initramfs.sh (KERNEL_ROOT). Exit 1 with one line
# on stderr when anything fails (no network, no such kernel, no ramdax): a download failure is an error, never a pass.
# Environment: KERNEL_ABI (an exact ABI such as 7.3.4+deb13-amd64: no resolution), KERNEL_SERIES (default 7.3),
# DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
series=${KERNEL_SERIES:-7.3}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() { echo "fetch-kernel: $*" >&2; exit 1; }
mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/debs"
cache=$(cd "$cache" && pwd)

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $keyring ]] || fail "$keyring is missing (apt-get install debian-archive-keyring)"
echo "deb [signed-by=$keyring] $mirror trixie-backports main" >"$cache/apt/sources.list"
apt_options=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null -o Dir::State::Status=/dev/null
  -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt" -o "Dir::Cache::Archives=$cache/apt/archives"
  -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

abi=${KERNEL_ABI:-}
if [[ -z "$abi" ]]; then
  apt-get "${apt_options[@]}" -qq update >"$cache/apt/update.log" 2>&1 ||
    fail "apt-get update of trixie-backports ($mirror) failed: $(tail -n 1 "$cache/apt/update.log")"
  # linux-image-amd64 names the current ABI; any linux-binary of the series is acceptable when it has moved on.
  abi=$(apt-cache "${apt_options[@]}" depends linux-image-amd64 2>/dev/null |
    grep -oE "linux-image-$series\.[0-9]+\+deb[0-9]+-amd64" | head -n 1 | sed 's/^linux-image-//') || true
  if [[ -z "$abi" ]]; then
    abi=$(apt-cache "${apt_options[@]}" pkgnames "linux-binary-$series." 2>/dev/null |
      grep -E "^linux-binary-$series\.[0-9]+\+deb[0-9]+-amd64$" | sed 's/^linux-binary-//' | sort -V | tail -n 1) || true
  fi
  [[ -n "$abi" ]] || fail "trixie-backports has no Linux $series amd64 kernel (linux-binary-$series.*-amd64); set KERNEL_ABI or KERNEL_SERIES"
fi
[[ "$abi" =~ ^[0-9][0-9A-Za-z.+~-]*-amd64$ ]] || fail "not a kernel ABI: $abi"

tree=$cache/$abi
modules=$tree/usr/lib/modules/$abi
if [[ ! -f "$modules/.complete" ]]; then
  rm -rf -- "$tree"
  (cd "$cache/debs" && apt-get "${apt_options[@]}" -qq download "linux-base-$abi" "linux-binary-$abi" "linux-modules-$abi") \
    >"$cache/apt/download.log" 2>&1 || fail "apt-get download of Linux $abi failed: $(grep -v '^W:' "$cache/apt/download.log" | tail -n 1)"
  for kind in base binary modules; do
    deb=$(find "$cache/debs" -maxdepth 1 -name "linux-${kind}-${abi}_*_amd64.deb" | sort -V | tail -n 1)
    [[ -n "$deb" ]] || fail "apt-get download left no linux-$kind-${abi}_*.deb"
    dpkg -x "$deb" "$tree" || fail "dpkg -x $deb failed"
  done
  [[ -r "$modules/vmlinuz" && -r "$modules/config" ]] || fail "the packages of Linux $abi hold no vmlinuz or config under usr/lib/modules/$abi"
  depmod -b "$tree/usr" "$abi" || fail "depmod -b $tree/usr $abi failed"
  touch "$modules/.complete"
  rm -f -- "$cache/debs/"*.deb
fi
grep -qE '^CONFIG_RAMDAX=[ym]$' "$modules/config" ||
  fail "Linux $abi has no ramdax driver (CONFIG_RAMDAX is not set in its config): the namespaces backend needs it"
echo "$abi $tree/usr"
