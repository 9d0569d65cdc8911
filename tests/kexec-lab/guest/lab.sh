#!/usr/bin/env bash
# The real-kexec lab, inside the guest: runs in a chroot of the host's root (read-only over 9p) that guest/init.sh
# prepared, as root, with the project's Release build and .NET from the host and the work folder writable.
# Environment from init.sh: LAB_SCENARIO, LAB_PHASE, LAB_REPO, LAB_WORK, LAB_MEMMAP, LAB_DAX_CAME_BACK, LAB_DAX_RECREATED.
# The scenarios: positive (the test VMM), qemu (a real QEMU guest under liveupdate-qemu, guest/qemu-vm.sh), negative
# (both, and a kexec that loses the region), namespaces (two uids' VMs on the namespaces backend, guest/namespaces.sh).
#
# It prints "LAB PASS|FAIL name: detail" per check and "LAB TIME name seconds" per timing on the console (run.sh
# collects them from there), and keeps every log under $LAB_WORK/logs. Phases: see init.sh.
set -uo pipefail

readonly VM=6b1f3c52-5d0e-4c5e-9a47-2f8e1c0d7a31   # the test VM's UUID (run.sh's node-SCENARIO.xml defines this domain)
readonly MEMORY_MIB=256
readonly DEVICE=/dev/dax0.0
readonly SYSFS_DAX=/sys/bus/dax/devices/dax0.0
readonly DAEMON=$LAB_REPO/service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll
readonly LUCTL_DLL=$LAB_REPO/client/LiveUpdate.Cli/bin/Release/net10.0/luctl.dll
readonly VMM=$LAB_REPO/tests/LiveUpdate.TestVmm/bin/Release/net10.0/LiveUpdate.TestVmm.dll
readonly KEXEC_HELPER=$LAB_REPO/deploy/liveupdate-kexec
readonly INVENTORY=test://$LAB_WORK/node-$LAB_SCENARIO.xml
readonly LOGS=$LAB_WORK/logs
readonly PREFIX=$LAB_SCENARIO
mkdir -p "$LOGS" /tmp/home /tmp/lab/bin
# shellcheck source-path=SCRIPTDIR source=qemu-vm.sh
source "$(dirname "${BASH_SOURCE[0]}")/qemu-vm.sh"
# shellcheck source-path=SCRIPTDIR source=namespaces.sh
source "$(dirname "${BASH_SOURCE[0]}")/namespaces.sh"

# Wrappers first on PATH (what liveupdate-kexec runs too): luctl as one command word, and kexec. Both stamp the steps
# of the update into the boot's kexec log, written through to the host before the next step starts (the work folder
# is uncached 9p), and kexec -e prints the marker run.sh times the next boot from: output that is still in a pipe
# when the kernel is replaced is lost. For the same reason kexec -e gives a running liveupdate-qemu up to 5 s to log
# that it is frozen (it logs after its ack, while the freeze it acked completes).
readonly KEXEC_LOG=$LOGS/$PREFIX-boot1-kexec.log
QEMU_VM_BOOT1_LOG=$(qemu_vm_log boot1)
real_kexec=$(PATH=${PATH#/tmp/lab/bin:} command -v kexec)
cat >/tmp/lab/bin/luctl <<WRAPPER
#!/bin/bash
if [[ " \$* " == *" freeze "* ]]; then
  echo "\$(date +%T.%3N) WRAP luctl start \$*" >>$KEXEC_LOG
  dotnet $LUCTL_DLL "\$@"
  rc=\$?
  echo "\$(date +%T.%3N) WRAP luctl end rc=\$rc" >>$KEXEC_LOG
  exit \$rc
fi
exec dotnet $LUCTL_DLL "\$@"
WRAPPER
cat >/tmp/lab/bin/kexec <<WRAPPER
#!/bin/bash
if [[ "\$1" == -e ]]; then
  for _ in {1..50}; do
    [[ -e $QEMU_VM_BOOT1_LOG ]] && ! grep -q 'frozen in' $QEMU_VM_BOOT1_LOG || break
    sleep 0.1
  done
  echo "\$(date +%T.%3N) WRAP kexec -e" >>$KEXEC_LOG
  echo "LAB-KEXEC-EXECUTE kexec -e" >/dev/console
  sync
  exec $real_kexec "\$@"
fi
echo "\$(date +%T.%3N) WRAP kexec start \$*" >>$KEXEC_LOG
$real_kexec "\$@"
rc=\$?
echo "\$(date +%T.%3N) WRAP kexec end rc=\$rc" >>$KEXEC_LOG
exit \$rc
WRAPPER
chmod +x /tmp/lab/bin/luctl /tmp/lab/bin/kexec

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
say() { echo "[lab $(date +%T.%3N)] $*"; }
check() {   # check NAME yes|no DETAIL
  local verdict=FAIL
  [[ "$2" == yes ]] && verdict=PASS
  echo "LAB $verdict $1: $3"
}
timing() { echo "LAB TIME $1 $2"; }   # timing NAME SECONDS
finish() { sync; exit 0; }
# stamp TEXT: "HH:MM:SS.fff TEXT" on the console and in the boot's kexec log.
stamp() { printf '%s %s\n' "$(date +%T.%3N)" "$*" | tee -a "$KEXEC_LOG"; }

# fields FILE PYTHON-EXPRESSION...: each expression over the JSON document d, one line each ("?" when the file is not
# JSON or the expression fails). One python3 for all: each start costs seconds under emulation.
fields() {
  python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = None
for e in sys.argv[2:]:
    try:
        v = "?" if d is None else eval(e)
    except Exception:
        v = "?"
    print(str(v).replace("\n", " "))
' "$@"
}

# Seconds of the day of a "HH:MM:SS.fff" timestamp (everything in the guest runs with TZ=UTC).
stamp_of() { awk '{ split($1, t, ":"); printf "%.3f", t[1] * 3600 + t[2] * 60 + t[3] }' <<<"$1"; }

DAEMON_PID=""
# The daemon's region and inventory: the devdax region and the scenario's libvirt test driver (the namespaces scenario
# sets its own).
DAEMON_ARGS=(--region "$DEVICE" --libvirt-uri "$INVENTORY")
# start_daemon LOG [--format]: starts liveupdated with DAEMON_ARGS and waits until it logs "ready" (or exits).
# Sets DAEMON_READY_S (guest wall seconds from launch to the ready line seen) and DAEMON_READY_MS (the daemon's own
# figure); returns 1 when the daemon exited instead, 2 on a time-out.
start_daemon() {
  local log=$1 t0
  shift
  t0=$(now)
  dotnet "$DAEMON" "${DAEMON_ARGS[@]}" "$@" >"$log" 2>&1 &
  DAEMON_PID=$!
  local deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do
    if grep -q 'ready [0-9]* ms after start' "$log"; then
      DAEMON_READY_S=$(since "$t0")
      DAEMON_READY_MS=$(grep -o 'ready [0-9]* ms after start' "$log" | head -n 1 | awk '{ print $2 }')
      return 0
    fi
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
      wait "$DAEMON_PID"
      DAEMON_EXIT=$?
      DAEMON_READY_S=$(since "$t0")
      return 1
    fi
    sleep 0.1
  done
  return 2
}

# wait_for_line FILE REGEX SECONDS: waits until FILE has a line matching REGEX.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

sysfs_base() { cat "$SYSFS_DAX/resource" 2>/dev/null || echo "?"; }

# region_checks TAG: the daemon's region facts (luctl --json region, already in $LOGS/$PREFIX-TAG-region.json)
# against sysfs: the physical base must be read from sysfs, not simulated.
region_checks() {
  local file=$LOGS/$PREFIX-$1-region.json sysbase f
  sysbase=$(sysfs_base)
  mapfile -t f < <(fields "$file" 'd["backend"]' 'd["physical_base_simulated"]' 'hex(d["physical_base"])' 'd["size_bytes"]')
  check "$PREFIX-$1-physical-base-from-sysfs" "$([[ ${f[0]} == DEVDAX && ${f[1]} == False && ${f[2]} == "$sysbase" ]] && echo yes || echo no)" \
    "backend ${f[0]}, physical base ${f[2]} (simulated ${f[1]}), sysfs $SYSFS_DAX/resource $sysbase, size ${f[3]} (sysfs $(cat "$SYSFS_DAX/size"))"
}

# The DMA record across the kexec, as an operator (root, an admin) drives it with luctl: before the kexec a domain for
# the VM, a device, and 64 MiB of its guest memory mapped at IOVA 4 GiB; after it, the same mappings and the same walk.
readonly DMA_DEVICE=0000:01:00.0 DMA_IOVA=0x100000000 DMA_PROBE=0x100123000

# dma_snapshot TAG: the domain's mappings and a walk from the device's root and context entries, into $LOGS.
dma_snapshot() {
  local pids=()
  luctl --json dma mappings 1 >"$LOGS/$PREFIX-dma-$1-mappings.json" 2>&1 &
  pids+=($!)
  luctl --json dma translate --device "$DMA_DEVICE" "$DMA_PROBE" >"$LOGS/$PREFIX-dma-$1-translate.json" 2>&1 &
  pids+=($!)
  luctl --json stat "/vm/$VM/memory" >"$LOGS/$PREFIX-dma-$1-stat.json" 2>&1 &
  pids+=($!)
  wait "${pids[@]}"
}

# dma_walk_check TAG: the walk reaches sysfs base + the memory's extent + the probe's offset, read-write, in a 2 MiB page.
dma_walk_check() {
  local f sysbase
  sysbase=$(sysfs_base)
  mapfile -t f < <(fields "$LOGS/$PREFIX-dma-$1-translate.json" 'hex(int(d["physical_address"]))' 'int(d["page_size"])' 'd["readable"]' 'd["writable"]' 'd["path"]')
  local expected
  expected=$(fields "$LOGS/$PREFIX-dma-$1-stat.json" "hex($sysbase + int(d['extents'][0]['region_offset']) + $DMA_PROBE - $DMA_IOVA)")
  check "$PREFIX-dma-$1-translate" "$([[ ${f[0]} == "$expected" && ${f[2]} == True && ${f[3]} == True ]] && echo yes || echo no)" \
    "$DMA_DEVICE IOVA $DMA_PROBE walks to ${f[0]} (sysfs base + extent + offset = $expected), page ${f[1]} bytes, read ${f[2]}, write ${f[3]}, file ${f[4]}"
}

dma_setup() {
  local t0 log=$LOGS/$PREFIX-dma-setup.log
  t0=$(now)
  { luctl dma create-domain 1 --width 48 --vm "$VM" &&
    luctl dma attach 1 "$DMA_DEVICE" &&
    luctl dma map 1 "$DMA_IOVA" "/vm/$VM/memory" --offset 0 --length 64MiB; } >"$log" 2>&1
  local rc=$?
  dma_snapshot before
  local f
  mapfile -t f < <(fields "$LOGS/$PREFIX-dma-before-mappings.json" 'len(d["mappings"])' 'int(d["mappings"][0]["length"])' 'int(d["mappings"][0]["pages_2m"])')
  check "$PREFIX-dma-mapped" "$([[ $rc == 0 && ${f[0]} == 1 && ${f[1]} == 67108864 ]] && echo yes || echo no)" \
    "domain 1 with $DMA_DEVICE, 64 MiB of guest memory at IOVA $DMA_IOVA in ${f[2]} 2 MiB leaves in $(since "$t0") s (luctl exit $rc: $(tail -n 2 "$log" | tr '\n' ' '))"
  dma_walk_check before
}

dma_verify() {
  dma_snapshot after
  local same=no
  if python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)' \
    "$LOGS/$PREFIX-dma-before-mappings.json" "$LOGS/$PREFIX-dma-after-mappings.json"; then
    same=yes
  fi
  check "$PREFIX-dma-mappings-kept" "$same" "ListMappings after the kexec equals the record before it: $(tr -d ' \n' <"$LOGS/$PREFIX-dma-after-mappings.json" | cut -c1-160)"
  dma_walk_check after
}

# test_vmm_start: the test VMM maps its guest memory, writes the pattern and stays registered until the kexec (its stdin
# a FIFO held open).
test_vmm_start() {
  local vmmlog=$LOGS/$PREFIX-boot1-vmm.log t0
  mkfifo /tmp/lab/vmm.in
  t0=$(now)
  dotnet "$VMM" run --socket-dir /run/liveupdate --vm "$VM" --name kexec-lab-vm --memory-mib "$MEMORY_MIB" --timeout-s 300 \
    </tmp/lab/vmm.in 2>&1 | while IFS= read -r line; do printf '%s %s\n' "$(date +%T.%3N)" "$line"; done >"$vmmlog" &
  exec 7>/tmp/lab/vmm.in
  if wait_for_line "$vmmlog" ' READY |ERROR|LOST' 300 && grep -q ' READY ' "$vmmlog"; then
    check "$PREFIX-boot1-vmm-ready" yes "test VMM registered, created and mapped $MEMORY_MIB MiB of guest memory and wrote the pattern in $(since "$t0") s: $(grep -o 'READY.*' "$vmmlog")"
  else
    check "$PREFIX-boot1-vmm-ready" no "the test VMM did not get ready: $(tail -n 3 "$vmmlog" | tr '\n' ' ')"
    return 1
  fi
}

phase_fresh() {
  say "fresh boot: devdax $(cat $SYSFS_DAX/size) bytes at $(sysfs_base); starting the daemon with --format"
  if start_daemon "$LOGS/$PREFIX-boot1-daemon.log" --format; then
    check "$PREFIX-boot1-daemon-ready" yes "liveupdated --format on $DEVICE ready in ${DAEMON_READY_S} s (the daemon says ${DAEMON_READY_MS} ms)"
    timing "$PREFIX-boot1-daemon-start-to-ready" "$DAEMON_READY_S"
  else
    check "$PREFIX-boot1-daemon-ready" no "liveupdated did not become ready: $(tail -n 3 "$LOGS/$PREFIX-boot1-daemon.log" | tr '\n' ' ')"
    finish
  fi
  luctl --json region >"$LOGS/$PREFIX-boot1-region.json" 2>&1 &
  local region_pid=$!

  if [[ "$LAB_SCENARIO" != qemu ]]; then
    test_vmm_start || finish
  fi
  if [[ "$LAB_SCENARIO" != positive ]]; then
    qemu_vm_start || finish
  fi
  wait "$region_pid"
  region_checks boot1
  [[ "$LAB_SCENARIO" == qemu ]] || dma_setup

  local next base
  base=$(tr ' ' '\n' </proc/cmdline | grep -vE '^(lab\.phase=|memtest=)' | tr '\n' ' ')
  if [[ "$LAB_SCENARIO" != negative ]]; then
    next="lab.phase=after"
    say "kexec with the deploy helper: liveupdate-kexec (load, freeze, kexec -e)"
    LUCTL=luctl "$KEXEC_HELPER" --no-systemd --kernel /tmp/lab/vmlinuz --initrd /tmp/lab/initrd.img \
      --command-line "$base" --append "$next" --timeout 60s 2>&1 |
      while IFS= read -r line; do printf '%s %s\n' "$(date +%T.%3N)" "$line" | tee -a "$KEXEC_LOG"; done
    check "$PREFIX-kexec" no "liveupdate-kexec returned instead of booting the next kernel"
  else
    # The negative control mirrors the helper's steps by hand, because the helper (rightly) refuses a command line
    # without the reservation: load a kernel WITHOUT memmap= and with memtest=1, freeze, kexec.
    next="$(tr ' ' '\n' <<<"$base" | grep -vE '^memmap=' | tr '\n' ' ')memtest=1 lab.phase=scrub"
    local klog=$KEXEC_LOG
    stamp "+ kexec -s -l /tmp/lab/vmlinuz (no memmap=, memtest=1) --append=$next"
    kexec -s -l /tmp/lab/vmlinuz --initrd=/tmp/lab/initrd.img --append="$next" >>"$klog" 2>&1 || { check "$PREFIX-kexec" no "kexec load failed"; finish; }
    stamp "+ luctl freeze --timeout 60s"
    luctl freeze --timeout 60s >>"$klog" 2>&1 || { check "$PREFIX-kexec" no "the freeze failed: $(tail -n 2 "$klog" | tr '\n' ' ')"; finish; }
    stamp "+ kexec -e"
    sync
    kexec -e
    check "$PREFIX-kexec" no "kexec -e returned"
  fi
  finish
}

# span A B: seconds between the first lines of the boot-1 kexec log ("HH:MM:SS.fff text") matching A and B.
span() {
  local a b
  a=$(grep -m1 -E "$1" "$KEXEC_LOG" | cut -d' ' -f1)
  b=$(grep -m1 -E "$2" "$KEXEC_LOG" | cut -d' ' -f1)
  [[ -n "$a" && -n "$b" ]] || { echo "?"; return; }
  awk -v a="$(stamp_of "$a")" -v b="$(stamp_of "$b")" 'BEGIN { d = b - a; if (d < 0) d += 86400; printf "%.2f", d }'
}

# Before the kexec, from the boot-1 logs (on the work folder, written before the kexec).
boot1_report() {
  local daemon=$LOGS/$PREFIX-boot1-daemon.log vmm=$LOGS/$PREFIX-boot1-vmm.log
  if [[ "$LAB_SCENARIO" != qemu ]]; then
    # ACKED pending=N: the VMs still to ack after this one (the negative scenario's QEMU guest may ack later); the
    # daemon seals FROZEN only when every VM has acked.
    check "$PREFIX-boot1-state-saved-and-acked" \
      "$(grep -q 'STATE_SAVED' "$vmm" && grep -qE 'ACKED pending=[0-9]+' "$vmm" && grep -q 'sealed FROZEN.* 0 not acked' "$daemon" && echo yes || echo no)" \
      "VMM: $(grep -o 'STATE_SAVED.*' "$vmm" | head -n 1); $(grep -o 'ACKED.*' "$vmm" | head -n 1); daemon: $(grep -o 'sealed FROZEN.*' "$daemon" | head -n 1)"
  fi
  [[ "$LAB_SCENARIO" == positive ]] || qemu_vm_frozen_report
  # The daemon measures it: "sealed FROZEN …; sealed N ms after the last ack".
  SEAL_S=$(grep -m1 -oE 'sealed [0-9.]+ ms after the last ack' "$daemon" | awk '{ printf "%.3f", $2 / 1000 }')
  SEAL_S=${SEAL_S:-?}
  timing "$PREFIX-seal-after-last-ack" "$SEAL_S"
  timing "$PREFIX-kexec-load" "$(span ' WRAP kexec start .*-l ' ' WRAP kexec end ')"
  timing "$PREFIX-freeze-daemon" "$(grep -m1 -oE 'forced (True|False), [0-9.]+ ms' "$daemon" | awk '{ printf "%.3f", $3 / 1000 }')"
  timing "$PREFIX-freeze-command" "$(span ' WRAP luctl start .*freeze' ' WRAP luctl end ')"
}

# test_vmm_reclaim: the test VMM after the kexec: register, RECLAIM_READY, Reclaim, map, verify byte for byte; sets
# RECLAIM_MS.
test_vmm_reclaim() {
  local vmmlog=$LOGS/$PREFIX-boot2-vmm.log t0 rc
  t0=$(now)
  dotnet "$VMM" reclaim --socket-dir /run/liveupdate --vm "$VM" --name kexec-lab-vm --memory-mib "$MEMORY_MIB" --timeout-s 300 >"$vmmlog" 2>&1
  rc=$?
  local wall
  wall=$(since "$t0")
  check "$PREFIX-memory-pattern" "$(grep -qE "^FILE path=/vm/$VM/memory .* ok$" "$vmmlog" && echo yes || echo no)" \
    "$MEMORY_MIB MiB of guest memory byte for byte: $(grep -E "/vm/$VM/memory" "$vmmlog" | head -n 1)"
  check "$PREFIX-device-state" "$(grep -qE "^FILE path=/vm/$VM/device-state .* ok$" "$vmmlog" && echo yes || echo no)" \
    "device state byte for byte: $(grep -E "/vm/$VM/device-state" "$vmmlog" | head -n 1)"
  check "$PREFIX-reclaimed" "$([[ $rc == 0 ]] && grep -q '^RECLAIMED ok verdict=Resumable' "$vmmlog" && echo yes || echo no)" \
    "test VMM exit $rc: $(grep -E '^(RECLAIMED|MISMATCH|ERROR)' "$vmmlog" | tr '\n' ' ')"
  RECLAIM_MS=$(grep -oE 'reclaim_ms=[0-9.]+' "$vmmlog" | cut -d= -f2)
  timing "$PREFIX-reclaim" "$(awk -v ms="${RECLAIM_MS:-0}" 'BEGIN { printf "%.3f", ms / 1000 }')"
  timing "$PREFIX-vmm-reclaim-and-verify-wall" "$wall"
}

phase_after() {
  boot1_report
  check "$PREFIX-devdax-came-back" "$LAB_DAX_CAME_BACK" "/dev/dax0.0 after the kexec without any ndctl call: $LAB_DAX_CAME_BACK ($(cat $SYSFS_DAX/size 2>/dev/null) bytes at $(sysfs_base))"
  [[ -e "$DEVICE" ]] || finish

  local daemon=$LOGS/$PREFIX-boot2-daemon.log
  if start_daemon "$daemon"; then
    check "$PREFIX-boot2-daemon-ready" yes "liveupdated (no --format) attached $DEVICE after the kexec, ready in ${DAEMON_READY_S} s (the daemon says ${DAEMON_READY_MS} ms)"
  else
    check "$PREFIX-boot2-daemon-ready" no "liveupdated did not start after the kexec: $(tail -n 3 "$daemon" | tr '\n' ' ')"
    finish
  fi
  timing "$PREFIX-boot2-daemon-start-to-ready" "$DAEMON_READY_S"

  local reconcile_ms="?"
  if wait_for_line "$daemon" 'reconcile \(dry run False' 120; then
    reconcile_ms=$(grep -E 'reconcile \(dry run False' "$daemon" | head -n 1 | grep -oE '[0-9.]+ ms;' | awk '{ print $1 }')
  fi
  timing "$PREFIX-reconcile" "$(awk -v ms="$reconcile_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"

  local subject=$VM
  if [[ "$LAB_SCENARIO" == qemu ]]; then
    subject=$QEMU_VM
    qemu_vm_resume
  else
    test_vmm_reclaim
    dma_verify
  fi

  # luctl's questions after the kexec, side by side (each is a .NET start, seconds under emulation).
  local status=$LOGS/$PREFIX-boot2-status.json checkfile=$LOGS/$PREFIX-boot2-check.json plan=$LOGS/$PREFIX-boot2-plan.json f
  # Wait for these four only: a bare `wait` would also wait for the daemon, which this shell started in the background.
  local pids=()
  luctl --json status >"$status" 2>&1 &
  pids+=($!)
  luctl --json check >"$checkfile" 2>&1 &
  pids+=($!)
  luctl --json region >"$LOGS/$PREFIX-boot2-region.json" 2>&1 &
  pids+=($!)
  luctl --json plan-kexec >"$plan" 2>&1 &
  pids+=($!)
  if [[ "$LAB_SCENARIO" == qemu ]]; then
    luctl --json stat "/vm/$QEMU_VM/device-state" >"$LOGS/$PREFIX-boot2-device-state.json" 2>&1 &
    pids+=($!)
  fi
  wait "${pids[@]}"

  mapfile -t f < <(fields "$status" 'd["state"]' 'd["kexec_detected"]' 'd["last_reconcile"]["cause"]' \
    '[v["verdict"] for v in d["last_reconcile"]["vms"] if v["vm_uuid"] == "'"$subject"'"]' 'len(d["last_reconcile"]["problems"])' \
    'd["previous_boot_id"]' 'd["boot_id"]' \
    '[v["verdict"] + " (" + v["message"] + ")" for v in d["last_reconcile"]["vms"] if v["vm_uuid"] == "'"$subject"'"]' \
    'd["last_reconcile"]["problems"]' 'd["last_reconcile"]["inventory"]' 'd["last_reconcile"]["inventory_duration_seconds"]')
  check "$PREFIX-reconcile-report" \
    "$([[ ${f[0]} == ACTIVE && ${f[1]} == True && ${f[2]} == PLANNED_UPDATE && ${f[3]} == "['RESUMABLE']" && ${f[4]} == 0 ]] && echo yes || echo no)" \
    "state ${f[0]}, kexec detected ${f[1]}, boot ${f[5]} -> ${f[6]}, cause ${f[2]}, VM ${f[7]}, problems ${f[8]}, inventory ${f[9]}"
  timing "$PREFIX-reconcile-inventory" "$(awk -v s="${f[10]}" 'BEGIN { printf "%.3f", s }')"

  mapfile -t f < <(fields "$checkfile" 'd["clean"]' 'd["inodes"]' 'd["problems"]')
  check "$PREFIX-check-clean" "$([[ ${f[0]} == True ]] && echo yes || echo no)" "luctl check: clean ${f[0]}, ${f[1]} inodes, problems ${f[2]}"
  region_checks boot2
  if [[ "$LAB_SCENARIO" == qemu ]]; then
    # Once the resumed guest runs, its saved device state is consumed: a later start is a fresh one.
    mapfile -t f < <(fields "$LOGS/$PREFIX-boot2-device-state.json" 'd["size_bytes"]' 'd["kind"]')
    check "$PREFIX-device-state-consumed" "$([[ ${f[0]} == 0 ]] && echo yes || echo no)" \
      "/vm/$QEMU_VM/device-state after the resume: ${f[1]}, ${f[0]} bytes"
  fi

  # The reservation plan-kexec names must be the persistent-memory region (sysfs region0), not dax0.0's own range.
  local nd=/sys/bus/nd/devices/region0 ndstart ndsize
  ndstart=$(cat $nd/resource 2>/dev/null)
  ndsize=$(cat $nd/size 2>/dev/null)
  mapfile -t f < <(fields "$plan" 'd["memmap"]' 'd["already_reserved"]' 'hex(d["reserved_start"])' 'd["reserved_size_bytes"]')
  check "$PREFIX-plan-kexec" "$([[ ${f[0]} == "memmap=$LAB_MEMMAP" && ${f[2]} == "$ndstart" && ${f[3]} == "$ndsize" ]] && echo yes || echo no)" \
    "luctl plan-kexec names ${f[0]} (already on the command line ${f[1]}), the region ${f[2]} + ${f[3]} bytes (sysfs $nd: $ndstart + $ndsize); the lab reserved memmap=$LAB_MEMMAP"

  if [[ "$SEAL_S" != "?" && "$reconcile_ms" != "?" && -n "${RECLAIM_MS:-}" ]]; then
    timing "$PREFIX-daemon-blackout-share" "$(awk -v s="$SEAL_S" -v r="$DAEMON_READY_S" -v c="$reconcile_ms" -v m="$RECLAIM_MS" \
      'BEGIN { printf "%.2f", s + r + c / 1000 + m / 1000 }')"
  fi
  finish
}

phase_lost() {
  boot1_report
  check "$PREFIX-devdax-info-block" yes "after the kexec through a kernel without memmap=: /dev/dax0.0 came back by itself: $LAB_DAX_CAME_BACK; namespace recreated by ndctl (its info block was scrubbed too): $LAB_DAX_RECREATED"
  if [[ ! -e "$DEVICE" ]]; then
    check "$PREFIX-loss-detected" yes "no $DEVICE at all: nothing to attach, nothing handed out"
    qemu_vm_not_resumed
    finish
  fi
  local daemon=$LOGS/$PREFIX-boot3-daemon.log vmmlog=$LOGS/$PREFIX-boot3-vmm.log
  if start_daemon "$daemon"; then
    # It attached: the reconcile must report the loss, and nothing may verify as good.
    wait_for_line "$daemon" 'reconcile \(dry run False|ReconcileFailed|reconcile after attach failed' 120
    dotnet "$VMM" reclaim --socket-dir /run/liveupdate --vm "$VM" --name kexec-lab-vm --memory-mib "$MEMORY_MIB" --timeout-s 60 >"$vmmlog" 2>&1
    local status=$LOGS/$PREFIX-boot3-status.json f
    luctl --json status >"$status" 2>&1
    mapfile -t f < <(fields "$status" 'len(d["last_reconcile"]["problems"])' \
      '[v["verdict"] for v in d["last_reconcile"]["vms"] if v["vm_uuid"] == "'"$VM"'"]' 'd["state"]')
    check "$PREFIX-loss-detected" "$([[ ${f[0]} =~ ^[1-9] || ${f[1]} == *MISSING* ]] && echo yes || echo no)" \
      "the daemon attached; reconcile: state ${f[2]}, problems ${f[0]}, verdict ${f[1]}"
  else
    local line
    line=$(grep -vE '^\s*$' "$daemon" | tail -n 1)
    check "$PREFIX-loss-detected" "$([[ ${DAEMON_EXIT:-0} != 0 && -n "$line" ]] && echo yes || echo no)" \
      "liveupdated refused to attach (exit ${DAEMON_EXIT:-?}) in ${DAEMON_READY_S} s: $line"
    echo "daemon refused: nothing was handed out" >"$vmmlog"
  fi
  check "$PREFIX-never-handed-out-as-good" "$(grep -qE '^(RECLAIMED ok|FILE .* ok$)' "$vmmlog" 2>/dev/null && echo no || echo yes)" \
    "no reclaimed file verified as good: $(grep -E "^(RECLAIMED|MISMATCH|ERROR|daemon refused)" "$vmmlog" 2>/dev/null | head -n 3 | tr "\n" " ")"
  qemu_vm_not_resumed
  finish
}

say "lab.sh: scenario $LAB_SCENARIO, phase $LAB_PHASE, kernel $(uname -r), boot id $(cat /proc/sys/kernel/random/boot_id)"
case "$LAB_SCENARIO:$LAB_PHASE" in
  namespaces:fresh) ns_phase_fresh ;;
  namespaces:after) ns_phase_after ;;
  *:fresh) phase_fresh ;;
  *:after) phase_after ;;
  *:lost) phase_lost ;;
  *) check guest-setup no "unknown phase $LAB_PHASE" ;;
esac
finish
