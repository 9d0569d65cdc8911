#!/usr/bin/env bash
# Builds and installs LiveUpdate on this host, or into a staging root. Run it again after a `git pull`: it changes only
# what differs, and says "nothing to do" when everything installed is already up to date.
#
#   sudo deploy/install.sh                      install into / (then: systemctl enable --now liveupdate); installs
#                                               QEMU >= 10 from bookworm-backports too when it is missing or older
#   sudo deploy/install.sh --enable             the same, then enable and start liveupdate.service
#   deploy/install.sh --prefix /tmp/stage       install into a staging root (no systemctl, no systemd-sysusers)
#   sudo deploy/install.sh --namespaces         also set the host up for the namespaces backend (ramdax, ndctl)
#   sudo deploy/install.sh --libvirt            also install libvirt >= 11 from bookworm-backports (libvirt domains)
#
# See usage() for what goes where. Needs the .NET 10 SDK (to publish). The daemon is self-contained: it carries its own
# .NET runtime, compiled ahead of time with it into one composite ReadyToRun image, because it starts inside the
# blackout of every live update. luctl and liveupdate-qemu are framework-dependent apphosts that need the .NET 10
# runtime and find it at $DOTNET_ROOT, in /etc/dotnet/install_location or at /usr/share/dotnet (install.sh writes
# /etc/dotnet/install_location only when the runtime is elsewhere and the file does not exist yet).
# liveupdate-qemu needs QEMU >= 10 (Debian 12's own is 7.2): installing into / as root, install.sh installs it from
# bookworm-backports when it is missing or older (deploy/require-qemu.sh --install: the project installs what it
# needs, an operator never by hand); with --prefix it only checks, and warns, since a staging root is for a package,
# which must depend on QEMU >= 10 itself.
# Exit codes: 0 installed (or nothing to do), 1 failed, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy/install.sh [--prefix DIR] [--build-dir DIR] [--namespaces] [--libvirt] [--enable] [--help]

Publishes the daemon (liveupdated), the operator CLI (luctl), the QEMU supervisor (liveupdate-qemu), and for libvirt
domains the <emulator> wrapper (liveupdate-emulator) and the agent (liveupdate-libvirt), Release,
linux-x64. The daemon is self-contained and composite ReadyToRun: the .NET runtime and the daemon precompiled
together, generic code over the daemon's own types included, so that little is left to JIT when it starts right after
a kexec (the runtime's security updates come with a rebuild and reinstall). The others are framework-dependent
.NET 10, ReadyToRun. Installs:
  /usr/lib/liveupdate/daemon/              liveupdated and its assemblies (appsettings.json: the daemon's defaults)
  /usr/lib/liveupdate/cli/                 luctl and its assemblies
  /usr/bin/luctl                           symbolic link to ../lib/liveupdate/cli/luctl
  /usr/lib/liveupdate/qemu/                liveupdate-qemu and its assemblies: runs one VM's QEMU on the region
  /usr/bin/liveupdate-qemu                 symbolic link to ../lib/liveupdate/qemu/liveupdate-qemu
  /usr/lib/liveupdate/emulator/            liveupdate-emulator and its assemblies
  /usr/libexec/liveupdate/liveupdate-emulator
                                           symbolic link to ../../lib/liveupdate/emulator/liveupdate-emulator: the
                                           <emulator> of a libvirt domain marked for live update
  /usr/lib/liveupdate/libvirt/             liveupdate-libvirt and its assemblies: the VMM agent of those domains
  /usr/bin/liveupdate-libvirt              symbolic link to ../lib/liveupdate/libvirt/liveupdate-libvirt
  /usr/lib/systemd/system/liveupdate-libvirt.service
  /etc/liveupdate/emulator.conf            where liveupdate-emulator finds the daemon and QEMU (only when missing:
                                           an edited copy is kept)
  /usr/sbin/liveupdate-kexec               freeze, load the next kernel keeping the region reserved, systemctl kexec
  /usr/lib/systemd/system/liveupdate.service
  /usr/lib/systemd/system/liveupdate-vm@.service
                                           one VM under liveupdate-qemu (instance: the VM's UUID), configured by
                                           /etc/liveupdate/vm/UUID.env
  /usr/share/doc/liveupdate/examples/liveupdate-vm.env
                                           a commented example of that file
  /usr/lib/tmpfiles.d/liveupdate.conf      /run/liveupdate 0750 root:liveupdate, /dev/shm/liveupdate 0700
  /usr/lib/sysusers.d/liveupdate.conf      the groups liveupdate (socket access) and liveupdate-admin (operators)
  /etc/libvirt/hooks/qemu.d/liveupdate     creates a marked domain's guest memory when it starts, refuses its
                                           migration
  /usr/share/doc/liveupdate/README.md
With --namespaces, for the namespaces backend (each VM's memory a devdax namespace of its own, Linux >= 6.19 with
ramdax; docs/operator-manual.md, "The namespaces backend"), also:
  /usr/lib/modprobe.d/liveupdate-ramdax.conf
                                           blacklist nd_e820: it would claim the memmap= range before ramdax
  /usr/lib/udev/rules.d/60-liveupdate-ramdax.rules
                                           binds the range (platform device e820_pmem) to ramdax at boot:
                                           driver_override, then modprobe ramdax
  /usr/lib/systemd/system/liveupdate.service.d/namespaces.conf
                                           what the daemon needs there: ndctl's sysfs and control devices, CAP_CHOWN
and (into / as root) Debian's ndctl and daxctl when missing. Then set LIVEUPDATE_REGION=/sys/bus/nd/devices/regionN
(the region ramdax made; install.sh names it when it is bound already) in /etc/default/liveupdate.
Installing into / where libvirt is installed (or with --libvirt, which installs libvirt-daemon-system and
libvirt-clients from bookworm-backports first), it also sets /etc/libvirt/qemu.conf so QEMU sees the region (one
marked block: namespaces = [ ], cgroup_device_acl with the region's device; deploy/libvirt-qemu-conf.sh), adds the
user QEMU runs as (qemu.conf's user, default libvirt-qemu) to the group liveupdate (the emulator asks the daemon for
the domain's files; never to liveupdate-admin, which would make every QEMU an administrator of the daemon), and gives that
uid an unlimited byte quota in /etc/default/liveupdate (LIVEUPDATE_QUOTAS__UID__BYTES=0: every libvirt domain's files
belong to it), each only when not set yet.
Files of an earlier build that the new one no longer has are removed from the program directories.
Without --prefix (as root) it installs QEMU >= 10 from bookworm-backports when the installed one is missing or older
(liveupdate-qemu needs it; with --prefix it only warns), creates the groups and the directories (systemd-sysusers,
systemd-tmpfiles) and, when systemd runs, reloads it if a unit changed. It never restarts a running daemon or VM: do
that when no update is in flight (systemctl restart liveupdate).

options:
  --prefix DIR     install under DIR (a staging root, e.g. for a package); nothing outside DIR is touched
  --build-dir DIR  where dotnet builds and publishes (default: deploy/obj, ignored by git; kept for quick re-runs)
  --namespaces     also install the namespaces backend's ramdax binding, unit drop-in, ndctl and daxctl (see above)
  --libvirt        also install libvirt >= 11 (libvirt-daemon-system, libvirt-clients) from bookworm-backports
  --enable         after installing, systemctl enable --now liveupdate.service (not with --prefix)
  -h, --help       print this text

exit codes: 0 installed or nothing to do, 1 failed, 2 usage
EOF
}

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

prefix=""
build_dir=""
enable=0
namespaces=0
libvirt=0
while (($#)); do
  case "$1" in
    --prefix)
      (($# >= 2)) || { usage >&2; exit 2; }
      prefix=$2
      shift 2
      ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --build-dir)
      (($# >= 2)) || { usage >&2; exit 2; }
      build_dir=$2
      shift 2
      ;;
    --build-dir=*) build_dir=${1#--build-dir=}; shift ;;
    --enable) enable=1; shift ;;
    --namespaces) namespaces=1; shift ;;
    --libvirt) libvirt=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
      printf 'install.sh: unknown argument %s\n' "$1" >&2
      usage >&2
      exit 2
      ;;
  esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n "$prefix" ]]; then
  [[ "$prefix" == /* ]] || prefix="$PWD/$prefix"
  prefix=${prefix%/}
  if ((enable)); then
    printf 'install.sh: --enable does nothing with --prefix (a staging root has no running systemd)\n' >&2
    exit 2
  fi
elif [[ $(id -u) -ne 0 ]]; then
  die "installing into / needs root (sudo deploy/install.sh), or stage it with --prefix DIR"
fi
build_dir=${build_dir:-$repo/deploy/obj}
umask 022
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

command -v dotnet >/dev/null || die "dotnet not found: install the .NET 10 SDK (package dotnet-sdk-10.0)"
# grep reads all of it (no -q): an early exit could SIGPIPE dotnet, a failure under pipefail.
dotnet --list-runtimes | grep '^Microsoft\.NETCore\.App 10\.' >/dev/null ||
  die "the .NET 10 runtime is missing (dotnet --list-runtimes): luctl and liveupdate-qemu need it; install dotnet-runtime-10.0"

# liveupdate-qemu runs QEMU >= 10: checked (and installed) before the long publish.
if [[ -z "$prefix" ]]; then
  "$repo/deploy/require-qemu.sh" --install || die "liveupdate-qemu needs QEMU >= 10 (see above)"
elif ! qemu_found=$("$repo/deploy/require-qemu.sh" 2>&1); then
  printf 'install.sh: warning: %s\n' "${qemu_found#require-qemu.sh: }" >&2
fi

changes=0
note() { printf '  %s\n' "$*"; }

# libvirt domains need libvirt >= 11 (backports; Debian 12's is 9.0): installed before the long publish, like QEMU.
if ((libvirt)); then
  if [[ -n "$prefix" ]]; then
    printf 'install.sh: --libvirt installs nothing into a staging root: its package must depend on libvirt >= 11\n' >&2
  else
    "$repo/deploy/apt-backports.sh" libvirt-daemon-system libvirt-clients || die "libvirt from bookworm-backports could not be installed (see above)"
  fi
fi

# The namespaces backend runs Debian's ndctl (and daxctl): installed before the long publish, like QEMU.
if ((namespaces)); then
  missing=()
  for tool in ndctl daxctl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})) && [[ -z "$prefix" ]]; then
    printf 'install.sh: installing %s (the namespaces backend creates its namespaces with them)\n' "${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
      die "apt-get install ${missing[*]} failed: the namespaces backend needs them"
  elif ((${#missing[@]})); then
    printf 'install.sh: warning: %s missing here: a package of this staging root must depend on ndctl and daxctl\n' "${missing[*]}" >&2
  fi
fi

# install_file SRC DEST MODE: copies SRC to DEST (atomically: a running program keeps its old file) unless DEST already
# has the same bytes and mode.
install_file() {
  local src=$1 dest=$2 mode=$3
  if [[ -f "$dest" && ! -L "$dest" ]] && cmp -s -- "$src" "$dest" && [[ $(stat -c %a -- "$dest") == "$mode" ]]; then
    return 0
  fi
  mkdir -p -- "$(dirname -- "$dest")"
  local tmp
  tmp=$(mktemp "$dest.XXXXXX")
  cp -- "$src" "$tmp"
  chmod "$mode" -- "$tmp"
  mv -f -- "$tmp" "$dest"
  note "installed ${dest#"$prefix"}"
  changes=$((changes + 1))
}

# install_tree SRC_DIR DEST_DIR: DEST_DIR becomes a copy of SRC_DIR (executables 0755, the rest 0644); files that are
# in DEST_DIR but not in SRC_DIR are removed.
install_tree() {
  local src=$1 dest=$2 rel mode
  while IFS= read -r -d '' rel; do
    rel=${rel#./}
    mode=644
    [[ -x "$src/$rel" ]] && mode=755
    install_file "$src/$rel" "$dest/$rel" "$mode"
  done < <(cd "$src" && find . -type f -print0 | sort -z)
  [[ -d "$dest" ]] || return 0
  while IFS= read -r -d '' rel; do
    rel=${rel#./}
    if [[ ! -e "$src/$rel" ]]; then
      rm -f -- "${dest:?}/$rel"
      note "removed ${dest#"$prefix"}/$rel (not in this build)"
      changes=$((changes + 1))
    fi
  done < <(cd "$dest" && find . \( -type f -o -type l \) -print0 | sort -z)
  find "$dest" -mindepth 1 -type d -empty -delete
}

# install_link TARGET LINK: LINK becomes a symbolic link to TARGET.
install_link() {
  local target=$1 link=$2
  if [[ -L "$link" && $(readlink -- "$link") == "$target" ]]; then
    return 0
  fi
  mkdir -p -- "$(dirname -- "$link")"
  ln -sfn -- "$target" "$link"
  note "linked ${link#"$prefix"} -> $target"
  changes=$((changes + 1))
}

publish() {
  local project=$1 out=$2
  shift 2
  printf 'install.sh: publishing %s\n' "${project#"$repo"/}"
  # No build servers left running afterwards (MSBuild nodes, the compiler server): an install leaves no processes behind.
  dotnet publish "$project" -c Release -r linux-x64 "$@" -p:PublishReadyToRun=true \
    -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false -p:UseSharedCompilation=false \
    -nodeReuse:false --artifacts-path "$build_dir/artifacts" -o "$out" -nologo -v quiet ||
    die "dotnet publish ${project#"$repo"/} failed (see the errors above)"
}

# ramdax_status: on this host, whether the running kernel has ramdax, whether the memmap= range is bound to it, and
# the region to name in LIVEUPDATE_REGION; it never rebinds a range (a daemon may be using it): the udev rule does at
# the next boot.
ramdax_status() {
  local release config pdev=/sys/bus/platform/devices/e820_pmem region
  release=$(uname -r)
  config=/boot/config-$release
  [[ -r "$config" ]] || config=/lib/modules/$release/config
  if [[ -r "$config" ]] && ! grep -qE '^CONFIG_RAMDAX=[ym]$' -- "$config"; then
    printf 'install.sh: warning: the running kernel %s has no ramdax driver (CONFIG_RAMDAX): the namespaces backend needs Linux >= 6.19 built with it (Debian 13: trixie-backports)\n' "$(uname -r)" >&2
    return 0
  fi
  if [[ ! -e "$pdev" ]]; then
    printf 'install.sh: no memmap= reservation on this boot (no %s): add memmap=SIZE!START to the kernel command line and reboot\n' "$pdev"
    return 0
  fi
  if [[ "$(basename -- "$(readlink -- "$pdev/driver" 2>/dev/null)")" != ramdax ]]; then
    printf 'install.sh: the reserved range is not bound to ramdax yet (%s): it will be at the next boot (or: udevadm trigger --action=add %s, when nothing uses it); update-initramfs -u if your initramfs loads nd_e820\n' \
      "$(basename -- "$(readlink -- "$pdev/driver" 2>/dev/null || echo no driver)")" "$pdev"
    return 0
  fi
  for region in /sys/bus/nd/devices/region*; do
    [[ "$(cat "$(readlink -f -- "$region")/../provider" 2>/dev/null)" == ramdax ]] || continue
    printf 'install.sh: ramdax region %s: set LIVEUPDATE_REGION=%s in /etc/default/liveupdate (the first start with --format)\n' "$region" "$region"
  done
}

# configure_libvirt: qemu.conf lets QEMU see the region; QEMU's user may ask the daemon and open the region, and has no
# byte quota (every libvirt domain's files are its). Each step only when not done yet.
libvirt_changed=0
configure_libvirt() {
  local region="" backend_args=() result user uid defaults=/etc/default/liveupdate
  # The region the daemon is configured with (an environment file: read in a subshell).
  # shellcheck source=/dev/null
  [[ -r "$defaults" ]] && region=$(set +u; . "$defaults" >/dev/null 2>&1; printf '%s' "${LIVEUPDATE_REGION:-}")
  [[ "$region" == /dev/* && "$region" != /dev/shm/* ]] && backend_args+=(--region-device "$region")
  ((namespaces)) && backend_args+=(--namespaces-backend)
  result=$("$repo/deploy/libvirt-qemu-conf.sh" /etc/libvirt/qemu.conf "${backend_args[@]}") || die "could not set /etc/libvirt/qemu.conf"
  if [[ "$result" == changed ]]; then
    note "set /etc/libvirt/qemu.conf (namespaces, cgroup_device_acl)"
    changes=$((changes + 1))
    libvirt_changed=1
  fi
  # QEMU's user, as the hook finds it: qemu.conf's last `user = "NAME"` (or "+UID"), default libvirt-qemu.
  user=$(sed -n 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' -- /etc/libvirt/qemu.conf | tail -n1)
  user=${user:-libvirt-qemu}
  if [[ "$user" == +* ]]; then
    uid=${user#+}
    user=$(getent passwd "$uid" | cut -d: -f1) || user=""
  else
    uid=$(getent passwd "$user" | cut -d: -f3) || uid=""
  fi
  if [[ -z "$user" || -z "$uid" ]]; then
    printf 'install.sh: warning: QEMU'"'"'s user (qemu.conf user, default libvirt-qemu) does not exist here: add it to the group liveupdate, and give it a quota, once it does\n' >&2
    return 0
  fi
  if [[ " $(id -nG "$user") " != *" liveupdate "* ]]; then
    usermod -aG liveupdate "$user" || die "usermod -aG liveupdate $user failed"
    note "added $user (QEMU under libvirt) to the group liveupdate"
    changes=$((changes + 1))
  fi
  if ! grep -qs "^LIVEUPDATE_QUOTAS__${uid}__BYTES=" -- "$defaults"; then
    printf '# %s (uid %s) owns the guest memory of every libvirt domain: no byte quota (install.sh).\nLIVEUPDATE_QUOTAS__%s__BYTES=0\n' "$user" "$uid" "$uid" >>"$defaults"
    note "$defaults: LIVEUPDATE_QUOTAS__${uid}__BYTES=0 ($user)"
    changes=$((changes + 1))
  fi
}

daemon_out="$build_dir/publish/daemon"
cli_out="$build_dir/publish/cli"
qemu_out="$build_dir/publish/qemu"
emulator_out="$build_dir/publish/emulator"
agent_out="$build_dir/publish/libvirt"
# A fresh publish directory each time, so that a file the build no longer produces is not installed again.
rm -rf -- "$daemon_out" "$cli_out" "$qemu_out" "$emulator_out" "$agent_out"
# Measured with the lifecycle benchmark: the start-up reconcile of 1,000 files took 25 ms framework-dependent
# (generic code over the daemon's types is JIT-compiled when first run) and 16.5 ms composite.
publish "$repo/service/LiveUpdate.Service/LiveUpdate.Service.csproj" "$daemon_out" --self-contained true -p:PublishReadyToRunComposite=true
[[ -d "$repo/client/LiveUpdate.Cli" ]] || die "client/LiveUpdate.Cli is missing: this checkout has no luctl to install"
publish "$repo/client/LiveUpdate.Cli/LiveUpdate.Cli.csproj" "$cli_out" --self-contained false
[[ -d "$repo/client/LiveUpdate.Qemu" ]] || die "client/LiveUpdate.Qemu is missing: this checkout has no liveupdate-qemu to install"
publish "$repo/client/LiveUpdate.Qemu/LiveUpdate.Qemu.csproj" "$qemu_out" --self-contained false
[[ -d "$repo/client/LiveUpdate.Emulator" && -d "$repo/client/LiveUpdate.Libvirt" ]] ||
  die "client/LiveUpdate.Emulator or client/LiveUpdate.Libvirt is missing: this checkout has no libvirt support to install"
publish "$repo/client/LiveUpdate.Emulator/LiveUpdate.Emulator.csproj" "$emulator_out" --self-contained false
publish "$repo/client/LiveUpdate.Libvirt/LiveUpdate.Libvirt.csproj" "$agent_out" --self-contained false
[[ -x "$daemon_out/liveupdated" && -x "$cli_out/luctl" && -x "$qemu_out/liveupdate-qemu" && -x "$emulator_out/liveupdate-emulator" && -x "$agent_out/liveupdate-libvirt" ]] ||
  die "the publish produced no liveupdated, luctl, liveupdate-qemu, liveupdate-emulator or liveupdate-libvirt apphost"

root="$prefix"
printf 'install.sh: installing into %s\n' "${root:-/}"
install_tree "$daemon_out" "$root/usr/lib/liveupdate/daemon"
install_tree "$cli_out" "$root/usr/lib/liveupdate/cli"
install_link ../lib/liveupdate/cli/luctl "$root/usr/bin/luctl"
install_tree "$qemu_out" "$root/usr/lib/liveupdate/qemu"
install_link ../lib/liveupdate/qemu/liveupdate-qemu "$root/usr/bin/liveupdate-qemu"
install_tree "$emulator_out" "$root/usr/lib/liveupdate/emulator"
install_link ../../lib/liveupdate/emulator/liveupdate-emulator "$root/usr/libexec/liveupdate/liveupdate-emulator"
install_tree "$agent_out" "$root/usr/lib/liveupdate/libvirt"
install_link ../lib/liveupdate/libvirt/liveupdate-libvirt "$root/usr/bin/liveupdate-libvirt"
[[ -e "$root/etc/liveupdate/emulator.conf" ]] || install_file "$repo/deploy/emulator.conf" "$root/etc/liveupdate/emulator.conf" 644
install_file "$repo/deploy/liveupdate-kexec" "$root/usr/sbin/liveupdate-kexec" 755
before=$changes
install_file "$repo/deploy/liveupdate.service" "$root/usr/lib/systemd/system/liveupdate.service" 644
install_file "$repo/deploy/liveupdate-vm@.service" "$root/usr/lib/systemd/system/liveupdate-vm@.service" 644
install_file "$repo/deploy/liveupdate-libvirt.service" "$root/usr/lib/systemd/system/liveupdate-libvirt.service" 644
unit_changed=$((changes - before))
install_file "$repo/deploy/tmpfiles.d/liveupdate.conf" "$root/usr/lib/tmpfiles.d/liveupdate.conf" 644
install_file "$repo/deploy/sysusers.d/liveupdate.conf" "$root/usr/lib/sysusers.d/liveupdate.conf" 644
before=$changes
install_file "$repo/deploy/libvirt-hook-qemu" "$root/etc/libvirt/hooks/qemu.d/liveupdate" 755
hook_changed=$((changes - before))
install_file "$repo/README.md" "$root/usr/share/doc/liveupdate/README.md" 644
install_file "$repo/deploy/liveupdate-vm.env" "$root/usr/share/doc/liveupdate/examples/liveupdate-vm.env" 644
ramdax_changed=0
if ((namespaces)); then
  before=$changes
  install_file "$repo/deploy/namespaces/namespaces.conf" "$root/usr/lib/systemd/system/liveupdate.service.d/namespaces.conf" 644
  unit_changed=$((unit_changed + changes - before))
  before=$changes
  install_file "$repo/deploy/namespaces/liveupdate-ramdax.conf" "$root/usr/lib/modprobe.d/liveupdate-ramdax.conf" 644
  install_file "$repo/deploy/namespaces/60-liveupdate-ramdax.rules" "$root/usr/lib/udev/rules.d/60-liveupdate-ramdax.rules" 644
  ramdax_changed=$((changes - before))
fi

# luctl's apphost looks for the runtime at $DOTNET_ROOT, in /etc/dotnet/install_location, else at /usr/share/dotnet.
dotnet_root=$(dirname -- "$(readlink -f -- "$(command -v dotnet)")")
global_root=/usr/share/dotnet
for location in /etc/dotnet/install_location_x64 /etc/dotnet/install_location; do
  if [[ -f "$location" ]]; then
    global_root=$(head -n 1 -- "$location")
    break
  fi
done
if [[ "$(readlink -f -- "$global_root" 2>/dev/null || true)" != "$dotnet_root" ]]; then
  if [[ -f /etc/dotnet/install_location || -f /etc/dotnet/install_location_x64 ]]; then
    printf 'install.sh: warning: /etc/dotnet/install_location names %s, but dotnet runs from %s: luctl will use the runtime at %s\n' \
      "$global_root" "$dotnet_root" "$global_root" >&2
  else
    location_file=$(mktemp)
    printf '%s\n' "$dotnet_root" >"$location_file"
    install_file "$location_file" "$root/etc/dotnet/install_location" 644
    rm -f -- "$location_file"
  fi
fi

# What was installed must run: the apphosts print their help (for luctl and liveupdate-qemu this checks the runtime is
# found, too).
"$root/usr/lib/liveupdate/daemon/liveupdated" --help >/dev/null ||
  die "the installed liveupdated does not run (liveupdated --help failed)"
"$root/usr/bin/luctl" --help >/dev/null || die "the installed luctl does not run (luctl --help failed)"
"$root/usr/bin/liveupdate-qemu" --help >/dev/null || die "the installed liveupdate-qemu does not run (liveupdate-qemu --help failed)"
"$root/usr/bin/liveupdate-libvirt" --help >/dev/null || die "the installed liveupdate-libvirt does not run (liveupdate-libvirt --help failed)"

if [[ -z "$prefix" ]]; then
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers /usr/lib/sysusers.d/liveupdate.conf
  else
    for group in liveupdate liveupdate-admin; do
      getent group "$group" >/dev/null || groupadd --system "$group"
    done
  fi
  if command -v systemd-tmpfiles >/dev/null; then
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/liveupdate.conf
  fi
  if [[ -d /run/systemd/system ]]; then
    if ((unit_changed)); then
      systemctl daemon-reload
    fi
    if ((enable)); then
      systemctl enable --now liveupdate.service
    elif systemctl is-active --quiet liveupdate.service && ((changes)); then
      printf 'install.sh: liveupdate.service still runs the previous build: systemctl restart liveupdate when no update is in flight\n'
    fi
  else
    printf 'install.sh: systemd is not running here: not reloaded, not enabled\n'
  fi
  if ((namespaces)); then
    if ((ramdax_changed)) && command -v udevadm >/dev/null && [[ -d /run/udev ]]; then
      udevadm control --reload || printf 'install.sh: warning: udevadm control --reload failed: udev reads the new rule at the next boot\n' >&2
    fi
    ramdax_status
  fi
  if [[ -f /etc/libvirt/qemu.conf ]]; then
    configure_libvirt
  fi
  if ((hook_changed || libvirt_changed)) && [[ -d /etc/libvirt ]]; then
    printf 'install.sh: libvirt reads new hook scripts and qemu.conf when it starts: systemctl restart libvirtd (or virtqemud) once\n'
  fi
fi

if ((namespaces)) && [[ -n "$prefix" ]]; then
  printf 'install.sh: the namespaces backend needs a kernel >= 6.19 with CONFIG_RAMDAX on the target host\n'
fi
if ((changes)); then
  printf 'install.sh: %d file(s) changed in %s\n' "$changes" "${root:-/}"
else
  printf 'install.sh: nothing to do: %s is up to date\n' "${root:-/}"
fi
