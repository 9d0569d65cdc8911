#!/usr/bin/env bash
# The real-kexec lab's QEMU guest, sourced by lab.sh (it uses lab.sh's check, timing, say, now, since and $LOGS,
# $PREFIX): tests/guests/tickguest (built by run.sh) under a real QEMU >= 10, the host's system install seen through
# the chroot, started by liveupdate-qemu with its RAM in the region on /dev/dax0.0. The update's freeze makes
# liveupdate-qemu stop QEMU, save the device state through the daemon and ack; after the kexec liveupdate-qemu runs
# again with the same arguments and resumes the guest. The guest prints "BOOT tickguest … boot=ID" once, then
# "TICK n boot=ID" every second and "VERIFY OK|BAD …" (its RAM pattern) every 5 ticks; one serial log holds both QEMUs'
# output (append=on), so what the resumed guest printed is what follows the line count taken before it starts.

readonly QEMU_VM=0c7d2e9a-3b41-4f6e-8d25-9a1b7c4e5f60   # run.sh's node-SCENARIO.xml defines this domain
readonly LIVEUPDATE_QEMU=$LAB_REPO/client/LiveUpdate.Qemu/bin/Release/net10.0/liveupdate-qemu.dll
readonly GUEST_SERIAL=$LOGS/$PREFIX-tickguest.log
# -nodefaults: with q35's default devices SeaBIOS stalls for about 30 s under QEMU 10.
readonly QEMU_VM_COMMAND=(dotnet "$LIVEUPDATE_QEMU" --vm "$QEMU_VM" --name kexec-lab-qemu --memory 64MiB --
  /usr/bin/qemu-system-x86_64 -machine q35 -accel tcg -smp 1 -nodefaults -display none -no-reboot
  -chardev "file,id=serial0,path=$GUEST_SERIAL,append=on" -serial chardev:serial0 -kernel "$LAB_WORK/tickguest.elf")
# The supervisor's own lines (stderr), one log per boot: liveupdate-qemu: VM {uuid}: started fresh|frozen|resumed in ….
qemu_vm_log() { echo "$LOGS/$PREFIX-$1-liveupdate-qemu.log"; }
QEMU_VM_PID=""

# guest_lines_after N: the guest's serial lines after the first N, without carriage returns.
guest_lines_after() { tail -n "+$(($1 + 1))" "$GUEST_SERIAL" 2>/dev/null | tr -d '\r'; }

# wait_for_guest N REGEX SECONDS: until a serial line after the first N matches REGEX; fails when the time is up or
# liveupdate-qemu has exited.
wait_for_guest() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    guest_lines_after "$1" | grep -qE "$2" && return 0
    kill -0 "$QEMU_VM_PID" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# ms_to_s MS: seconds with three decimals ("?" for nothing).
ms_to_s() { [[ -n "$1" ]] && awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }' || echo "?"; }

# qemu_vm_start: boot 1, before the update: liveupdate-qemu starts the guest fresh; it must be counting.
qemu_vm_start() {
  local log t0 started
  log=$(qemu_vm_log boot1)
  : >"$GUEST_SERIAL"
  t0=$(now)
  "${QEMU_VM_COMMAND[@]}" </dev/null >"$log" 2>&1 &
  QEMU_VM_PID=$!
  if ! wait_for_guest 0 '^TICK 1 ' 300; then
    check "$PREFIX-boot1-guest-ticking" no "no TICK from the guest: liveupdate-qemu $(tail -n 3 "$log" | tr '\n' ' '); serial: $(guest_lines_after 0 | tail -n 2 | tr '\n' ' ')"
    return 1
  fi
  timing "$PREFIX-guest-start-to-first-tick" "$(since "$t0")"
  wait_for_guest 0 '^TICK 3 ' 60
  started=$(grep -m1 -oE 'started fresh in [0-9.]+ ms' "$log")
  timing "$PREFIX-guest-started-fresh" "$(ms_to_s "$(awk '{ print $4 }' <<<"$started")")"
  check "$PREFIX-boot1-guest-ticking" "$([[ -n "$started" ]] && guest_lines_after 0 | grep -q '^TICK 3 ' && echo yes || echo no)" \
    "liveupdate-qemu (pid $QEMU_VM_PID) ${started:-did not say it started fresh}; the guest: $(guest_lines_after 0 | grep -m1 '^BOOT'), $(guest_lines_after 0 | grep '^TICK' | tail -n 1) after $(since "$t0") s"
}

# qemu_vm_frozen_report: after the kexec, from boot 1's log: liveupdate-qemu stopped, saved and acked.
qemu_vm_frozen_report() {
  local line
  line=$(grep -m1 -oE 'frozen in .*' "$(qemu_vm_log boot1)")
  if [[ "$line" =~ ^frozen\ in\ ([0-9.]+)\ ms\ \(stop\ ([0-9.]+)\ ms,\ save\ ([0-9.]+)\ ms,\ ([0-9]+)\ bytes,\ ack\ ([0-9.]+)\ ms\) ]] &&
    ((BASH_REMATCH[4] > 0)); then
    check "$PREFIX-boot1-guest-frozen" yes "liveupdate-qemu stopped QEMU, saved ${BASH_REMATCH[4]} bytes of device state and acked: $line; the guest's last line: $(guest_lines_after 0 | grep '^TICK' | tail -n 1)"
    timing "$PREFIX-guest-frozen" "$(ms_to_s "${BASH_REMATCH[1]}")"
    timing "$PREFIX-guest-frozen-stop" "$(ms_to_s "${BASH_REMATCH[2]}")"
    timing "$PREFIX-guest-frozen-save" "$(ms_to_s "${BASH_REMATCH[3]}")"
    timing "$PREFIX-guest-frozen-ack" "$(ms_to_s "${BASH_REMATCH[5]}")"
  else
    check "$PREFIX-boot1-guest-frozen" no "no 'frozen in' line from liveupdate-qemu before the kexec: $(tail -n 3 "$(qemu_vm_log boot1)" | tr '\n' ' ')"
  fi
}

# The guest's state before the kexec: GUEST_BEFORE (serial lines), GUEST_LAST_TICK, GUEST_BOOT_ID.
guest_before_kexec() {
  GUEST_BEFORE=$(wc -l <"$GUEST_SERIAL" 2>/dev/null || echo 0)
  local last
  last=$(guest_lines_after 0 | grep '^TICK' | tail -n 1)
  GUEST_LAST_TICK=$(awk '{ print $2 }' <<<"$last")
  GUEST_BOOT_ID=$(grep -m1 -oE 'boot=[0-9A-Za-z]+' <<<"$last")
}

# qemu_vm_resume: boot 2, after the kexec: liveupdate-qemu again, same arguments: the guest must go on counting. Sets
# RECLAIM_MS.
qemu_vm_resume() {
  local log t0 resumed after first ticks boots
  log=$(qemu_vm_log boot2)
  guest_before_kexec
  t0=$(now)
  "${QEMU_VM_COMMAND[@]}" </dev/null >"$log" 2>&1 &
  QEMU_VM_PID=$!
  if wait_for_guest "$GUEST_BEFORE" '^TICK ' 300; then
    timing "$PREFIX-guest-restart-to-first-tick" "$(since "$t0")"
    # A VERIFY line (every 5 ticks) and two ticks more.
    wait_for_guest "$GUEST_BEFORE" '^VERIFY ' 120
    wait_for_guest "$GUEST_BEFORE" "^TICK $((GUEST_LAST_TICK + 7)) " 120
  fi
  resumed=$(grep -m1 -oE 'resumed in .*' "$log")
  if [[ "$resumed" =~ ^resumed\ in\ ([0-9.]+)\ ms\ \(reclaim\ ([0-9.]+)\ ms,\ start\ ([0-9.]+)\ ms,\ load\ ([0-9.]+)\ ms,\ cont\ ([0-9.]+)\ ms\) ]]; then
    check "$PREFIX-guest-resumed" yes "liveupdate-qemu (pid $QEMU_VM_PID, same arguments as before the kexec): $resumed"
    timing "$PREFIX-guest-resumed" "$(ms_to_s "${BASH_REMATCH[1]}")"
    RECLAIM_MS=${BASH_REMATCH[2]}
    timing "$PREFIX-guest-resumed-reclaim" "$(ms_to_s "$RECLAIM_MS")"
    timing "$PREFIX-guest-resumed-start" "$(ms_to_s "${BASH_REMATCH[3]}")"
    timing "$PREFIX-guest-resumed-load" "$(ms_to_s "${BASH_REMATCH[4]}")"
    timing "$PREFIX-guest-resumed-cont" "$(ms_to_s "${BASH_REMATCH[5]}")"
  else
    check "$PREFIX-guest-resumed" no "no 'resumed in' line from liveupdate-qemu: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi

  after=$(guest_lines_after "$GUEST_BEFORE")
  first=$(grep -m1 '^TICK' <<<"$after" | awk '{ print $2 }')
  ticks=$(grep -c '^TICK' <<<"$after")
  boots=$(grep -oE 'boot=[0-9A-Za-z]+' <<<"$after" | sort -u | tr '\n' ' ')
  local continues=no
  if [[ -n "$first" && -n "$GUEST_LAST_TICK" ]] && ((first > GUEST_LAST_TICK)) && [[ "$boots" == "$GUEST_BOOT_ID " ]] &&
    ! grep -q '^BOOT' <<<"$after" && grep -q '^VERIFY OK' <<<"$after" && ! grep -q '^VERIFY BAD' <<<"$after"; then
    continues=yes
  fi
  check "$PREFIX-guest-continues" "$continues" \
    "last TICK before the kexec $GUEST_LAST_TICK ($GUEST_BOOT_ID), first after $first, $ticks TICKs after with ${boots:-no boot id}, BOOT lines after: $(grep -c '^BOOT' <<<"$after"), $(grep '^VERIFY' <<<"$after" | tr '\n' ';')"
}

# qemu_vm_not_resumed: the negative control's last boot: liveupdate-qemu again, same arguments, over a region whose
# contents are gone. It must refuse (or the daemon refuses the region); the guest must never go on counting.
qemu_vm_not_resumed() {
  local log rc=running
  log=$(qemu_vm_log boot3)
  guest_before_kexec
  "${QEMU_VM_COMMAND[@]}" </dev/null >"$log" 2>&1 &
  QEMU_VM_PID=$!
  # It exits with its refusal, or it is stopped after two minutes (or after 20 s of a guest that prints).
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)) && kill -0 "$QEMU_VM_PID" 2>/dev/null; do
    guest_lines_after "$GUEST_BEFORE" | grep -qE '^(TICK|BOOT)' && deadline=$((SECONDS < deadline - 20 ? SECONDS + 20 : deadline))
    sleep 0.5
  done
  if kill -0 "$QEMU_VM_PID" 2>/dev/null; then
    kill -TERM "$QEMU_VM_PID"
    sleep 10
    kill -KILL "$QEMU_VM_PID" 2>/dev/null
  fi
  wait "$QEMU_VM_PID"
  rc=$?
  local after continued
  after=$(guest_lines_after "$GUEST_BEFORE")
  continued=$(grep -c "^TICK .*$GUEST_BOOT_ID" <<<"$after")
  check "$PREFIX-guest-not-resumed" "$([[ -n "$GUEST_BOOT_ID" && $continued == 0 ]] && ! grep -q 'resumed in' "$log" && echo yes || echo no)" \
    "liveupdate-qemu exit $rc: $(grep -vE '^\s*$' "$log" | tail -n 1); TICK lines of the old boot ($GUEST_BOOT_ID) after the kexec: $continued; the guest printed: $(head -n 2 <<<"$after" | tr '\n' ';')"
}
