#!/usr/bin/env bash
# run.sh WORKDIR [--scenario positive|qemu|negative|namespaces|all]: the real-kexec lab. A real Linux kernel (Debian's
# linux-image-amd64) boots in QEMU (software emulation, no KVM needed) with RAM reserved by memmap=, turns it into
# /dev/dax0.0, runs the project's Release build of liveupdated on it with a test VMM or a real QEMU, and kexecs for
# real:
#
#   positive  boot 1: liveupdated --format on /dev/dax0.0, the test VMM maps 256 MiB of guest memory and writes a
#             pattern; deploy/liveupdate-kexec loads the same kernel with the reservation, freezes (the VMM saves its
#             device state and acks) and kexecs. boot 2: liveupdated attaches /dev/dax0.0 again, reconciles
#             (PLANNED_UPDATE, the VM RESUMABLE against libvirt's test driver), the VMM reclaims and verifies memory
#             and device state byte for byte; luctl check is clean; the physical base is sysfs's.
#   qemu      boot 1: liveupdated --format, and liveupdate-qemu runs a real QEMU guest (tests/guests/tickguest, built
#             here: a pattern in its RAM and a counter on its serial port) with its RAM on /dev/dax0.0; liveupdate-kexec
#             freezes (liveupdate-qemu stops QEMU, saves the device state through the daemon and acks) and kexecs.
#             boot 2: liveupdated attaches again, liveupdate-qemu runs again with the same arguments and resumes the
#             guest: its counter continues, same boot id, pattern verified, no new boot.
#   negative  boot 1 as positive, plus the QEMU guest of the qemu scenario; the kexec goes to a kernel WITHOUT the
#             reservation and with memtest=1 (free RAM scrubbed), which kexecs back into a kernel with it: the daemon
#             must refuse the region or report the loss, never hand out the memory as good, and the QEMU guest must
#             not resume.
#   namespaces  Debian's 7.3 kernel (trixie-backports, downloaded by fetch-kernel.sh, not installed) with the range bound
#             to ramdax; liveupdated on the namespaces backend. boot 1: two uids each create their VM's guest memory
#             (a devdax namespace of its own) and write a pattern through their own device; each is refused the other's
#             device and file; a 1 GiB file is created and removed (the namespace create and destroy figures);
#             liveupdate-kexec freezes and kexecs. boot 2: the namespaces and their labels came back, the daemon attaches
#             and gives the nodes their owners back, both patterns are intact, the other uid is still refused, the
#             check is clean.
#
# WORKDIR (created if needed) receives the initramfs, the serial logs (logs/SCENARIO.serial.log), the guest's logs of
# the daemon, luctl, the VMM, liveupdate-qemu and the inner guest (logs/), and summary.txt ("PASSED FAILED"). It is
# shared with the guest read-write over virtio-9p; the host's root is shared read-only (the guest runs .NET, QEMU and
# the build from it). WORKDIR/kernels caches the downloaded 7.3 kernel across runs. Run as root: missing Debian
# packages are installed with apt-get, QEMU >= 10 from bookworm-backports (deploy/require-qemu.sh). Prints one
# "PASS|FAIL name: detail" line per check, the timings and the figures ("LAB-FIGURE name value unit" in the guest);
# exits 0 only when every check passed. A scenario whose QEMU itself crashed (SIGABRT/SIGSEGV) runs once more, said so.
# Environment: LAB_TIMEOUT_SCALE (multiplies the QEMU time limits, default 1).
set -uo pipefail

usage() { echo "usage: run.sh WORKDIR [--scenario positive|qemu|negative|namespaces|all]" >&2; exit 2; }
(($# >= 1)) || usage
work_arg=$1
shift
scenarios=(positive qemu negative namespaces)
while (($#)); do
  case "$1" in
    --scenario)
      (($# >= 2)) || usage
      case "$2" in positive | qemu | negative | namespaces) scenarios=("$2") ;; all) ;; *) usage ;; esac
      shift 2 ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$work_arg" || exit 1
work=$(cd "$work_arg" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The reservation: 512 MiB at 1 GiB of the guest's 2 GiB. The guest memory of the test VM is 256 MiB, the QEMU
# guest's 64 MiB. The namespaces scenario's guest has 4 GiB: q35 puts 2 GiB below 4 GiB and 2 GiB above, which all
# become the reservation: the metadata namespace, two VMs of 128 MiB and a 1 GiB file, each a namespace in 16 MiB steps.
readonly memmap='512M!1G'
readonly ns_memmap='2G!4G' ns_ram=4G
readonly vm=6b1f3c52-5d0e-4c5e-9a47-2f8e1c0d7a31        # as guest/lab.sh
readonly qemu_vm=0c7d2e9a-3b41-4f6e-8d25-9a1b7c4e5f60   # as guest/lab.sh
scale=${LAB_TIMEOUT_SCALE:-1}

lab() { printf 'kexec-lab: %s\n' "$*"; }
die() { lab "FAIL setup: $*"; echo "0 1" >"$work/summary.txt"; exit 1; }

# The kernel command line and the 9p shares carry the paths as single words.
for path in "$repo" "$work"; do
  [[ "$path" =~ ^/[A-Za-z0-9_./+@%:-]+$ ]] || die "paths with spaces or unusual characters cannot go on a kernel command line: $path"
done

# --- packages ----------------------------------------------------------------------------------------------------------
is_static() { [[ -x "$1" ]] && ! ldd "$1" >/dev/null 2>&1; }
need=()
compgen -G '/boot/vmlinuz-*-amd64' >/dev/null && compgen -G '/lib/modules/*-amd64/modules.dep' >/dev/null || need+=(linux-image-amd64)
PATH=$PATH:/sbin:/usr/sbin command -v kexec >/dev/null || need+=(kexec-tools)
is_static "$(command -v busybox || echo /nonexistent)" || need+=(busybox-static)
command -v ndctl >/dev/null || need+=(ndctl)
command -v daxctl >/dev/null || need+=(daxctl)
command -v cpio >/dev/null || need+=(cpio)
PATH=$PATH:/sbin:/usr/sbin command -v depmod >/dev/null || need+=(kmod)
[[ -x /usr/bin/python3 ]] || need+=(python3)
ldconfig -p | grep 'libvirt.so.0 ' >/dev/null || need+=(libvirt0)
command -v gcc >/dev/null || need+=(gcc)
if ((${#need[@]})); then
  [[ $(id -u) == 0 ]] || die "missing Debian packages ${need[*]}: run as root, or apt-get install ${need[*]}"
  lab "installing ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
    die "apt-get install ${need[*]} failed"
  fi
fi
[[ $(id -u) == 0 ]] || die "run as root (the guest's chroot of the host root runs the daemon as root)"
# QEMU >= 10 from bookworm-backports, for the lab's own guest and for the QEMU guest inside it (the guest runs the
# host's system install through its chroot: a QEMU under /tmp would be hidden there).
"$repo/deploy/require-qemu.sh" --install >"$work/require-qemu.log" 2>&1 || die "$(tail -n 1 "$work/require-qemu.log")"
lab "$(tail -n 1 "$work/require-qemu.log")"

# --- the Release build -------------------------------------------------------------------------------------------------
outputs=(
  service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll
  client/LiveUpdate.Cli/bin/Release/net10.0/luctl.dll
  tests/LiveUpdate.TestVmm/bin/Release/net10.0/LiveUpdate.TestVmm.dll
  tests/LiveUpdate.TestPeer/bin/Release/net10.0/LiveUpdate.TestPeer.dll
  client/LiveUpdate.Qemu/bin/Release/net10.0/liveupdate-qemu.dll
)
for output in "${outputs[@]}"; do
  if [[ ! -f "$repo/$output" ]]; then
    lab "building the Release outputs (dotnet build -c Release)"
    for project in service/LiveUpdate.Service client/LiveUpdate.Cli tests/LiveUpdate.TestVmm tests/LiveUpdate.TestPeer client/LiveUpdate.Qemu; do
      nice dotnet build "$repo/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || die "dotnet build $project failed (see $work/build.log)"
    done
    break
  fi
done

# --- the inventory and the guest ---------------------------------------------------------------------------------------
# libvirt's in-process test driver in the guest, one inventory per scenario (test:///WORK/node-SCENARIO.xml) with the
# VMs that scenario runs (the test VMM's, the QEMU guest's): each is a defined domain, marked for live update
# (docs/design.md §7), so RESUMABLE in the reconcile report means "its domain is defined", not "no inventory".
domain() {
  printf '  <domain type="test">\n    <name>%s</name>\n    <uuid>%s</uuid>\n    <memory unit="MiB">%s</memory>\n' "$1" "$2" "$3"
  printf '    <os><type>hvm</type></os>\n    <metadata><lu:persistent xmlns:lu="urn:liveupdate:v1"/></metadata>\n  </domain>\n'
}
{ echo "<node>"; domain kexec-lab-vm "$vm" 256; echo "</node>"; } >"$work/node-positive.xml"
{ echo "<node>"; domain kexec-lab-qemu "$qemu_vm" 64; echo "</node>"; } >"$work/node-qemu.xml"
{ echo "<node>"; domain kexec-lab-vm "$vm" 256; domain kexec-lab-qemu "$qemu_vm" 64; echo "</node>"; } >"$work/node-negative.xml"
rm -rf "$work/logs"
mkdir -p "$work/logs"
t0=$(date +%s.%N)
# The scenarios on the host's installed kernel: all but namespaces.
devdax_scenarios=0
for scenario in "${scenarios[@]}"; do [[ $scenario == namespaces ]] || devdax_scenarios=1; done
if ((devdax_scenarios)); then
  "$here/build-initramfs.sh" "$work" >"$work/logs/build-initramfs.log" 2>&1 || die "build-initramfs.sh failed: $(tail -n 3 "$work/logs/build-initramfs.log")"
  lab "$(tail -n 1 "$work/logs/build-initramfs.log") in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
fi
if [[ " ${scenarios[*]} " == *" namespaces "* ]]; then
  # Debian's 7.3 kernel with ramdax, downloaded (not installed) into the cache, and an initramfs around it.
  t0=$(date +%s.%N)
  read -r ns_kver ns_kernel_root < <("$here/fetch-kernel.sh" "$work/kernels" 2>"$work/logs/fetch-kernel.log") ||
    die "fetch-kernel.sh could not get Debian's 7.3 kernel: $(tail -n 1 "$work/logs/fetch-kernel.log")"
  KVER=$ns_kver KERNEL_ROOT=$ns_kernel_root OUT=$work/out-namespaces "$here/build-initramfs.sh" "$work" \
    >"$work/logs/build-initramfs-namespaces.log" 2>&1 ||
    die "build-initramfs.sh (kernel $ns_kver) failed: $(tail -n 3 "$work/logs/build-initramfs-namespaces.log")"
  lab "kernel $ns_kver (trixie-backports, cached in $work/kernels): $(tail -n 1 "$work/logs/build-initramfs-namespaces.log") in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
fi
# The QEMU guest's kernel: tickguest, a few KB (the guest's QEMU runs under emulation twice over: a Linux guest there
# takes minutes to boot, this one seconds).
if ((devdax_scenarios)); then
  "$repo/tests/guests/tickguest/build.sh" "$work/tickguest.elf" >"$work/logs/build-tickguest.log" 2>&1 ||
    die "tests/guests/tickguest/build.sh failed: $(tail -n 3 "$work/logs/build-tickguest.log")"
  lab "tickguest built ($(stat -c %s "$work/tickguest.elf") bytes)"
fi

# --- one QEMU run --------------------------------------------------------------------------------------------------------
# run_scenario NAME LIMIT_S [OUT MEMMAP RAM]: boots the guest (the kernel and initramfs in OUT, default WORKDIR/out) and
# logs the serial console with the host's elapsed seconds on each line.
run_scenario() {
  local name=$1 limit=$(($2 * scale)) log=$work/logs/$1.serial.log rc out=${3:-$work/out} reserve=${4:-$memmap} ram=${5:-2G}
  local cmdline="console=ttyS0 memmap=$reserve nokaslr panic=-1 lab.scenario=$name lab.repo=$repo lab.work=$work lab.memmap=$reserve"
  # shellcheck disable=SC2054 # the commas are QEMU's option syntax, not array separators
  local qemu=(qemu-system-x86_64 -M q35 -accel tcg -cpu max -m "$ram" -smp 2 -nographic -no-reboot
    -kernel "$out/vmlinuz" -initrd "$out/initrd.img" -append "$cmdline"
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
    -virtfs "local,path=$work,mount_tag=labwork,security_model=none,multidevs=remap")
  lab "scenario $name: QEMU (TCG), time limit $limit s, serial log $log"
  local start=$EPOCHREALTIME
  timeout -k 5 "$limit" "${qemu[@]}" </dev/null 2>&1 | while IFS= read -r line; do
    local t=$EPOCHREALTIME
    printf '%8.2f %s\n' "$(awk -v a="$start" -v b="$t" 'BEGIN { print b - a }')" "${line%$'\r'}"
  done >"$log"
  rc=${PIPESTATUS[0]}
  QEMU_WALL=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  QEMU_RC=$rc
}

# run_scenario_once_more_if_qemu_crashed NAME LIMIT_S [OUT MEMMAP RAM]: run_scenario, and once more when QEMU itself
# died of SIGABRT or SIGSEGV (exit 134 or 139). That is the emulator failing (TCG under a kexec and memtest=1 aborted
# once in CI), not a verdict on the guest: the crashed run's serial log and guest logs are kept under
# logs/crashed-NAME/ and its last words are printed, and a second crash fails the scenario as usual.
run_scenario_once_more_if_qemu_crashed() {
  run_scenario "$@"
  [[ $QEMU_RC == 134 || $QEMU_RC == 139 ]] || return 0
  local name=$1 kept=$work/logs/crashed-$1
  mkdir -p "$kept"
  mv "$work/logs/$name".serial.log "$work/logs/$name"-* "$kept/" 2>/dev/null
  lab "scenario $name: QEMU itself crashed (exit $QEMU_RC) after $QEMU_WALL s; its last output: $(grep -av ' LAB' "$kept/$name.serial.log" | tail -n 3 | cut -c10- | tr '\n' ' ')(logs kept in $kept); running the scenario once more"
  run_scenario "$@"
}

# --- results -------------------------------------------------------------------------------------------------------------
passed=0
failed=0
report() {   # report PASS|FAIL NAME DETAIL
  printf '%s %s: %s\n' "$1" "$2" "$3"
  if [[ $1 == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
timings=()
figures=()

# collect NAME EXPECTED-CHECK...: the guest's LAB lines of the serial log, plus a FAIL for each expected check the guest
# never reported (it died, hung or was cut off by the time limit) and the boot timings seen from the host.
collect() {
  local name=$1 log=$work/logs/$1.serial.log
  shift
  local line verdict check detail
  declare -A seen=()
  while IFS= read -r line; do
    line=${line#*LAB }
    verdict=${line%% *}
    line=${line#* }
    check=${line%%:*}
    detail=${line#*: }
    seen[$check]=1
    report "$verdict" "$check" "$detail"
  done < <(grep -aE '^ *[0-9.]+ LAB (PASS|FAIL) ' "$log")
  for check in "$@"; do
    [[ -n "${seen[$check]:-}" ]] || report FAIL "$check" "not reported by the guest (see $log)"
  done
  if [[ $QEMU_RC != 0 ]]; then
    report FAIL "$name-qemu" "QEMU exited $QEMU_RC after $QEMU_WALL s$([[ $QEMU_RC == 124 ]] && echo ': time limit reached')"
  fi
  while IFS= read -r line; do
    timings+=("$(awk '{ printf "%-44s %8s s", $4, $5 }' <<<"$line")")
  done < <(grep -aE '^ *[0-9.]+ LAB TIME ' "$log")
  while IFS= read -r line; do
    figures+=("$(awk '{ printf "%-44s %10s %s", $3, $4, $5 }' <<<"$line")")
  done < <(grep -aE '^ *[0-9.]+ LAB-FIGURE [^ ]+ [^ ]+ [^ ]+$' "$log")
  # Boots, from the host's clock: QEMU start (or the kexec) to the guest's /init.
  local boot=0 from=0 t
  while IFS= read -r line; do
    t=${line%% *}
    t=$(awk '{ print $1 }' <<<"$line")
    if [[ "$line" == *LAB-INIT-START* ]]; then
      boot=$((boot + 1))
      timings+=("$(printf '%-44s %8.2f s' "$name-boot$boot-to-init$([[ $boot == 1 ]] && echo ' (cold)' || echo ' (after kexec)')" "$(awk -v a="$from" -v b="$t" 'BEGIN { print b - a }')")")
    else
      from=$t
    fi
  done < <(grep -aE 'LAB-INIT-START|LAB-KEXEC-EXECUTE' "$log")
  timings+=("$(printf '%-44s %8.2f s' "$name-total-qemu-wall" "$QEMU_WALL")")
}

for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    positive)
      run_scenario_once_more_if_qemu_crashed positive 900
      collect positive positive-boot1-daemon-ready positive-boot1-physical-base-from-sysfs positive-boot1-vmm-ready \
        positive-boot1-state-saved-and-acked positive-devdax-came-back positive-boot2-daemon-ready positive-memory-pattern \
        positive-device-state positive-reclaimed positive-reconcile-report positive-check-clean \
        positive-boot2-physical-base-from-sysfs positive-plan-kexec ;;
    qemu)
      # Two starts of liveupdate-qemu (.NET) and a QEMU under emulation twice over: 9.5 min measured on a loaded host.
      run_scenario_once_more_if_qemu_crashed qemu 1200
      collect qemu qemu-boot1-daemon-ready qemu-boot1-physical-base-from-sysfs qemu-boot1-guest-ticking \
        qemu-boot1-guest-frozen qemu-devdax-came-back qemu-boot2-daemon-ready qemu-guest-resumed qemu-guest-continues \
        qemu-device-state-consumed qemu-reconcile-report qemu-check-clean qemu-boot2-physical-base-from-sysfs \
        qemu-plan-kexec ;;
    negative)
      run_scenario_once_more_if_qemu_crashed negative 1200
      collect negative negative-boot1-daemon-ready negative-boot1-vmm-ready negative-boot1-guest-ticking \
        negative-boot1-state-saved-and-acked negative-boot1-guest-frozen negative-scrub-kernel \
        negative-devdax-info-block negative-loss-detected negative-never-handed-out-as-good negative-guest-not-resumed ;;
    namespaces)
      run_scenario_once_more_if_qemu_crashed namespaces 1500 "$work/out-namespaces" "$ns_memmap" "$ns_ram"
      collect namespaces namespaces-boot1-ramdax-region namespaces-boot1-daemon-ready namespaces-boot1-backend \
        namespaces-boot1-create-1000 namespaces-boot1-create-1001 namespaces-boot1-device-1000 namespaces-boot1-device-1001 \
        namespaces-boot1-patterns namespaces-boot1-other-device-refused namespaces-boot1-other-open-refused \
        namespaces-boot1-own-open namespaces-1gib-create-remove namespaces-boot1-frozen namespaces-labels-kept \
        namespaces-boot2-daemon-ready namespaces-boot2-backend namespaces-boot2-device-1000 namespaces-boot2-device-1001 \
        namespaces-boot2-patterns namespaces-boot2-other-device-refused namespaces-boot2-other-open-refused \
        namespaces-boot2-own-open namespaces-check-clean namespaces-plan-kexec
      for figure in namespace-create-1GiB namespace-destroy-1GiB; do
        grep -qaE " LAB-FIGURE $figure " "$work/logs/namespaces.serial.log" || report FAIL "namespaces-figure-$figure" "the guest reported no $figure figure"
      done ;;
  esac
done

echo
lab "timings (seconds; boots from the host's clock, the rest measured inside the guest):"
printf '  %s\n' "${timings[@]}"
if ((${#figures[@]})); then
  lab "figures (measured inside the guest):"
  printf '  %s\n' "${figures[@]}"
fi
echo "$passed $failed" >"$work/summary.txt"
if ((failed == 0 && passed > 0)); then
  lab "PASS: $passed checks, 0 failed"
  exit 0
fi
lab "FAIL: $failed of $((passed + failed)) checks failed (logs in $work/logs)"
exit 1
