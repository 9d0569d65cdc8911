#!/usr/bin/env bash
# The real-kexec lab's namespaces scenario, sourced by lab.sh (it uses lab.sh's check, timing, say, now, since, fields,
# start_daemon, wait_for_line, $LOGS and $PREFIX). Debian's 7.3 kernel; init.sh has bound the memmap= range to ramdax at
# every boot, so it is a label-capable nd region. The daemon runs on it (liveupdated --region /sys/bus/nd/devices/regionN):
# its metadata is the devdax namespace liveupdate-metadata, each guest-memory file a devdax namespace "lu-" + the file's
# instance id whose /dev/daxX.Y node belongs to the file's owner, mode 0600 (docs/design.md §3, §6).
#
#   fresh  two uids (VM_A_UID, VM_B_UID), members of the socket directory's group, each create their VM's guest memory
#          and write a pattern through their own device (FileInfo.device_path); the other uid is refused that device
#          (EACCES) and the other VM's file (Open: PERMISSION_DENIED), and sees only its own pattern through its own
#          device and through Open. A 1 GiB file is created and removed as root: the daemon's own durations of
#          CreateFile and Remove (its metrics) are the namespace create and destroy (zeroing included) figures. Then
#          deploy/liveupdate-kexec freezes and kexecs into the same kernel with the same memmap=.
#   after  the namespaces came back by themselves (names, label UUIDs, addresses, sizes as before); the daemon attaches
#          without --format and gives each node its owner back (devtmpfs recreated them root 0600); both patterns are
#          intact; the other uid is still refused; luctl check is clean (and liveupdated check, offline, when this build
#          has it); plan-kexec names the reservation.

readonly VM_A=3f0a9c1e-7b2d-4e58-9c61-0d4e2a7b1c93 VM_B=8c2e5d71-1a4f-4b93-8e07-6f1d3c9a2b54
readonly VM_A_UID=1000 VM_B_UID=1001
readonly VM_A_SEED=0xA1 VM_B_SEED=0xB2
readonly SOCKET_GID=1500   # the socket directory's group (deploy's "liveupdate"); both uids are members
readonly VM_MEMORY=128MiB VM_MEMORY_BYTES=134217728
readonly BIG_FILE=/bench/one-gib BIG_BYTES=1073741824
readonly METRICS_PORT=9464
readonly TESTPEER=$LAB_REPO/tests/LiveUpdate.TestPeer/bin/Release/net10.0/LiveUpdate.TestPeer.dll
readonly DAXPATTERN=$LAB_REPO/tests/kexec-lab/guest/daxpattern.py
readonly NS_FACTS_BOOT1=$LOGS/$PREFIX-boot1-namespaces.txt

# ns_region: the nd region ramdax provides (/sys/bus/nd/devices/regionN), by its bus's provider: region numbers are
# not promised to stay the same across a kexec.
ns_region() {
  local r
  for r in /sys/bus/nd/devices/region*; do
    [[ "$(cat "$(readlink -f "$r")/../provider" 2>/dev/null)" == ramdax ]] && { echo "$r"; return 0; }
  done
  return 1
}

# dax_of NAME: the daxX.Y of the namespace whose name (alt_name) is NAME, through its holder (device numbers change
# across a kexec: never remembered, always looked up by name).
dax_of() {
  local ns holder d
  for ns in /sys/bus/nd/devices/namespace*; do
    [[ -e "$ns/alt_name" && "$(cat "$ns/alt_name")" == "$1" ]] || continue
    holder=$(cat "$ns/holder" 2>/dev/null)
    [[ -n "$holder" ]] || continue
    for d in /sys/bus/dax/devices/*; do
      [[ "$(readlink -f "$d")" == */"$holder"/* ]] && { basename "$d"; return 0; }
    done
  done
  return 1
}

# ns_name INSTANCE_ID: the namespace of the file with that instance id: "lu-" + its 32 lowercase hex digits.
ns_name() { local id=${1//-/}; echo "lu-${id,,}"; }

# namespace_facts: one sorted line per named namespace with what must survive a kexec: name, label UUID, physical
# range and size of the namespace and of its dax device, alignment (not the namespaceX.Y or daxX.Y names).
namespace_facts() {
  local ns name dax
  for ns in /sys/bus/nd/devices/namespace*; do
    [[ -e "$ns/alt_name" ]] || continue
    name=$(cat "$ns/alt_name")
    [[ -n "$name" ]] || continue
    dax=$(dax_of "$name") || dax=none
    echo "name=$name uuid=$(cat "$ns/uuid") resource=$(cat "$ns/resource" 2>/dev/null) size=$(cat "$ns/size")" \
      "dax_resource=$(cat "/sys/bus/dax/devices/$dax/resource" 2>/dev/null) dax_size=$(cat "/sys/bus/dax/devices/$dax/size" 2>/dev/null)" \
      "dax_align=$(cat "/sys/bus/dax/devices/$dax/align" 2>/dev/null)"
  done | sort
}

# as_uid UID COMMAND...: COMMAND as UID with the socket directory's group, as a VMM of that uid would run.
as_uid() {
  local uid=$1
  shift
  mkdir -p "/tmp/lab/home-$uid" && chown "$uid:$uid" "/tmp/lab/home-$uid"
  HOME=/tmp/lab/home-$uid setpriv --reuid="$uid" --regid="$uid" --groups="$SOCKET_GID" "$@"
}
luctl_as() { local uid=$1; shift; as_uid "$uid" luctl --socket-dir /run/liveupdate "$@"; }
# pattern_as UID ARGS...: daxpattern.py as UID; its verdict line (or, should python fail, the last line of the traceback).
pattern_as() { local uid=$1; shift; as_uid "$uid" /usr/bin/python3 "$DAXPATTERN" "$@" 2>&1 | tail -n 1; }
testpeer_as() { local uid=$1; shift; LIVEUPDATE_SOCKET_DIR=/run/liveupdate as_uid "$uid" dotnet "$TESTPEER" "$@"; }

# rpc_seconds METHOD: the daemon's summed duration of METHOD's calls so far (liveupdate_rpc_duration_seconds_sum).
rpc_seconds() {
  /usr/bin/python3 - "$METRICS_PORT" "$1" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=30).read().decode()
pattern = re.compile(r'^liveupdate_rpc_duration_seconds_sum\{[^}]*method="[^"]*%s"[^}]*\} (\S+)$' % re.escape(sys.argv[2]))
print(sum(float(m.group(1)) for m in map(pattern.match, text.splitlines()) if m))
PY
}
figure() { echo "LAB-FIGURE $1 $2 $3"; }   # figure NAME VALUE UNIT

# owner_check TAG VM UID DEVICE: the file's node is DEVICE (its namespace's, found by name), owned by UID, mode 0600.
owner_check() {
  local tag=$1 vm=$2 uid=$3 device=$4 f dax mode
  mapfile -t f < <(fields "$LOGS/$PREFIX-$tag-stat-$vm.json" 'd["device_path"]' 'd["instance_id"]' 'd["owner_uid"]')
  dax=$(dax_of "$(ns_name "${f[1]}")") || dax=missing
  mode=$(stat -c '%u %a' "$device" 2>/dev/null)
  check "$PREFIX-$tag-device-$uid" "$([[ -n "$device" && ${f[0]} == "$device" && $device == "/dev/$dax" && $mode == "$uid 600" && ${f[2]} == "$uid" ]] && echo yes || echo no)" \
    "VM $vm of uid ${f[2]}: device_path ${f[0]}, namespace $(ns_name "${f[1]}") is /dev/$dax, node owner and mode '$mode' (want '$uid 600')"
}

# cross_checks TAG: each uid sees its own pattern through its own device; the other uid's device is EACCES; the other
# VM's file is PERMISSION_DENIED through Open (the daemon's refusal: "may not open", not a socket it cannot reach), and
# Open of its own gives its own memory (first byte: its seed).
cross_checks() {
  local tag=$1 out_a out_b refused_a refused_b peer_a peer_b
  out_a=$(pattern_as "$VM_A_UID" check "$DEVICE_A" "$VM_A_SEED" "$VM_MEMORY_BYTES")
  out_b=$(pattern_as "$VM_B_UID" check "$DEVICE_B" "$VM_B_SEED" "$VM_MEMORY_BYTES")
  check "$PREFIX-$tag-patterns" "$([[ $out_a == OK* && $out_b == OK* ]] && echo yes || echo no)" "uid $VM_A_UID: $out_a; uid $VM_B_UID: $out_b"
  refused_a=$(pattern_as "$VM_B_UID" open "$DEVICE_A")
  refused_b=$(pattern_as "$VM_A_UID" open "$DEVICE_B")
  check "$PREFIX-$tag-other-device-refused" "$([[ $refused_a == EACCES && $refused_b == EACCES ]] && echo yes || echo no)" \
    "uid $VM_B_UID opening $DEVICE_A: $refused_a; uid $VM_A_UID opening $DEVICE_B: $refused_b"
  # One after the other: two .NET clients starting at once under emulation overran the test peer's 20 s call timeout.
  testpeer_as "$VM_B_UID" "map /vm/$VM_A/memory ro" "open /vm/$VM_A/memory rw" "map /vm/$VM_B/memory ro" >"$LOGS/$PREFIX-$tag-peer-b.log" 2>&1
  testpeer_as "$VM_A_UID" "map /vm/$VM_B/memory ro" "map /vm/$VM_A/memory ro" >"$LOGS/$PREFIX-$tag-peer-a.log" 2>&1
  mapfile -t peer_b < <(cut -f1,2 "$LOGS/$PREFIX-$tag-peer-b.log")
  mapfile -t peer_a < <(cut -f1,2 "$LOGS/$PREFIX-$tag-peer-a.log")
  check "$PREFIX-$tag-other-open-refused" \
    "$([[ ${peer_b[0]:-} == PermissionDenied*may\ not\ open* && ${peer_b[1]:-} == PermissionDenied*may\ not\ open* && ${peer_a[0]:-} == PermissionDenied*may\ not\ open* ]] && echo yes || echo no)" \
    "uid $VM_B_UID on VM A's file: map '${peer_b[0]:-none}', open rw '${peer_b[1]:-none}'; uid $VM_A_UID on VM B's file: map '${peer_a[0]:-none}'"
  check "$PREFIX-$tag-own-open" \
    "$([[ ${peer_b[2]:-} == OK*first=$((VM_B_SEED)) && ${peer_a[1]:-} == OK*first=$((VM_A_SEED)) ]] && echo yes || echo no)" \
    "Open + map of its own file: uid $VM_B_UID '${peer_b[2]:-none}' (seed $((VM_B_SEED))), uid $VM_A_UID '${peer_a[1]:-none}' (seed $((VM_A_SEED)))"
}

# stat_files TAG: luctl --json stat of both VMs' memory (as root), and DEVICE_A, DEVICE_B from their device_path.
stat_files() {
  luctl --json stat "/vm/$VM_A/memory" >"$LOGS/$PREFIX-$1-stat-$VM_A.json" 2>&1 &
  local pid=$!
  luctl --json stat "/vm/$VM_B/memory" >"$LOGS/$PREFIX-$1-stat-$VM_B.json" 2>&1
  wait "$pid"
  DEVICE_A=$(fields "$LOGS/$PREFIX-$1-stat-$VM_A.json" 'd["device_path"]')
  DEVICE_B=$(fields "$LOGS/$PREFIX-$1-stat-$VM_B.json" 'd["device_path"]')
}

# backend_check TAG: luctl region says NAMESPACES, with the metadata namespace's device as its physical base.
backend_check() {
  local f meta base
  luctl --json region >"$LOGS/$PREFIX-$1-region.json" 2>&1
  mapfile -t f < <(fields "$LOGS/$PREFIX-$1-region.json" 'd["backend"]' 'd["physical_base_simulated"]' 'hex(d["physical_base"])' 'd["path"]')
  meta=$(dax_of liveupdate-metadata) || meta=missing
  base=$(cat "/sys/bus/dax/devices/$meta/resource" 2>/dev/null)
  check "$PREFIX-$1-backend" "$([[ ${f[0]} == *NAMESPACES && ${f[1]} == False && ${f[2]} == "$base" ]] && echo yes || echo no)" \
    "luctl region: backend ${f[0]} on ${f[3]}, physical base ${f[2]} (simulated ${f[1]}); namespace liveupdate-metadata is $meta at $base"
}

ns_daemon() {   # ns_daemon TAG [--format]
  local tag=$1 log=$LOGS/$PREFIX-$1-daemon.log
  shift
  # The socket directory's group admits both uids (deploy's tmpfiles does this on a host); /run is new at every boot.
  mkdir -p /run/liveupdate && chgrp "$SOCKET_GID" /run/liveupdate && chmod 0750 /run/liveupdate
  # shellcheck disable=SC2034 # lab.sh's start_daemon reads it
  DAEMON_ARGS=(--region "$NS_REGION" --metrics-port "$METRICS_PORT" "$@")
  if start_daemon "$log"; then
    check "$PREFIX-$tag-daemon-ready" yes "liveupdated --region $NS_REGION $* ready in $DAEMON_READY_S s (the daemon says $DAEMON_READY_MS ms)"
    timing "$PREFIX-$tag-daemon-start-to-ready" "$DAEMON_READY_S"
    return 0
  fi
  check "$PREFIX-$tag-daemon-ready" no "liveupdated --region $NS_REGION $* did not become ready: $(tail -n 3 "$log" | tr '\n' ' ')"
  return 1
}

# create_vm UID VM SEED: the uid creates its VM's guest memory and writes its pattern through the file's own device.
create_vm() {
  local uid=$1 vm=$2 seed=$3 out=$LOGS/$PREFIX-boot1-create-$2.json t0 f written
  t0=$(now)
  luctl_as "$uid" --json create "/vm/$vm/memory" --size "$VM_MEMORY" --kind guest-memory --vm "$vm" --parents >"$out" 2>&1
  local rc=$?
  timing "$PREFIX-create-$VM_MEMORY-as-uid-$uid" "$(since "$t0")"
  mapfile -t f < <(fields "$out" 'd["device_path"]' 'd["owner_uid"]' 'd["instance_id"]')
  written=$(pattern_as "$uid" fill "${f[0]}" "$seed" "$VM_MEMORY_BYTES")
  check "$PREFIX-boot1-create-$uid" "$([[ $rc == 0 && ${f[0]} == /dev/dax* && ${f[1]} == "$uid" && $written == OK* ]] && echo yes || echo no)" \
    "uid $uid created /vm/$vm/memory ($VM_MEMORY, luctl exit $rc): device_path ${f[0]}, owner ${f[1]}, instance ${f[2]}; through it: $written"
}

# big_file: root creates and removes a 1 GiB guest-memory file; the daemon's own CreateFile and Remove durations are
# the namespace create and destroy (zeroing included) figures.
big_file() {
  local before after create remove dax_during dax_after f
  before=$(rpc_seconds CreateFile)
  luctl --json create "$BIG_FILE" --size 1GiB --kind guest-memory --parents >"$LOGS/$PREFIX-big-create.json" 2>&1
  after=$(rpc_seconds CreateFile)
  create=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
  mapfile -t f < <(fields "$LOGS/$PREFIX-big-create.json" 'd["instance_id"]' 'd["size_bytes"]' 'd["device_path"]')
  local name
  name=$(ns_name "${f[0]}")
  dax_during=$(dax_of "$name") || dax_during=missing
  before=$(rpc_seconds Remove)
  luctl rm "$BIG_FILE" >"$LOGS/$PREFIX-big-remove.log" 2>&1
  local rc=$?
  after=$(rpc_seconds Remove)
  remove=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
  dax_after=$(dax_of "$name") || dax_after=gone
  check "$PREFIX-1gib-create-remove" "$([[ ${f[1]} == "$BIG_BYTES" && /dev/$dax_during == "${f[2]}" && $rc == 0 && $dax_after == gone ]] && echo yes || echo no)" \
    "$BIG_FILE: ${f[1]} bytes on namespace $name (${f[2]}, sysfs /dev/$dax_during) created in $create ms; removed (luctl exit $rc) in $remove ms, namespace afterwards: $dax_after"
  figure namespace-create-1GiB "$create" ms
  figure namespace-destroy-1GiB "$remove" ms
  # The daemon's own split of each (its log): ndctl's part and the zeroing.
  local log=$LOGS/$PREFIX-boot1-daemon.log made gone made_ndctl made_zero gone_zero gone_ndctl
  made=$(grep -m1 -oE "namespace $name created .*\(ndctl [0-9]+ ms, zeroing [0-9]+ ms\)" "$log" | grep -oE '[0-9]+ ms' | awk '{ print $1 }' | tr '\n' ' ')
  gone=$(grep -m1 -oE "namespace $name .*scrubbed and destroyed .*\(zeroing [0-9]+ ms, ndctl [0-9]+ ms\)" "$log" | grep -oE '[0-9]+ ms' | awk '{ print $1 }' | tr '\n' ' ')
  read -r made_ndctl made_zero <<<"$made"
  read -r gone_zero gone_ndctl <<<"$gone"
  [[ -n "${made_zero:-}" ]] && figure namespace-create-1GiB-ndctl "$made_ndctl" ms && figure namespace-create-1GiB-zeroing "$made_zero" ms
  [[ -n "${gone_ndctl:-}" ]] && figure namespace-destroy-1GiB-zeroing "$gone_zero" ms && figure namespace-destroy-1GiB-ndctl "$gone_ndctl" ms
  return 0
}

ns_phase_fresh() {
  NS_REGION=$(ns_region) || { check "$PREFIX-boot1-ramdax-region" no "no nd region of the ramdax provider: $(ls /sys/bus/nd/devices)"; finish; }
  ndctl list -R -r "$(basename "$NS_REGION")" -v >"$LOGS/$PREFIX-boot1-region-ndctl.json" 2>&1
  check "$PREFIX-boot1-ramdax-region" yes "$NS_REGION (ramdax): $(cat "$NS_REGION/size") bytes at $(cat "$NS_REGION/resource"), align $(cat "$NS_REGION/align" 2>/dev/null), available $(cat "$NS_REGION/available_size")"
  ns_daemon boot1 --format || finish
  backend_check boot1
  create_vm "$VM_A_UID" "$VM_A" "$VM_A_SEED" &
  local first=$!
  create_vm "$VM_B_UID" "$VM_B" "$VM_B_SEED"
  wait "$first"
  stat_files boot1
  owner_check boot1 "$VM_A" "$VM_A_UID" "$DEVICE_A"
  owner_check boot1 "$VM_B" "$VM_B_UID" "$DEVICE_B"
  cross_checks boot1
  big_file
  namespace_facts >"$NS_FACTS_BOOT1"
  ndctl list -N -r "$(basename "$NS_REGION")" -v >"$LOGS/$PREFIX-boot1-namespaces-ndctl.json" 2>&1
  say "namespaces before the kexec:"
  cat "$NS_FACTS_BOOT1"

  local base
  base=$(tr ' ' '\n' </proc/cmdline | grep -vE '^(lab\.phase=|memtest=)' | tr '\n' ' ')
  say "kexec with the deploy helper: liveupdate-kexec (ramdax check, load, freeze, kexec -e)"
  LUCTL=luctl "$KEXEC_HELPER" --no-systemd --kernel /tmp/lab/vmlinuz --kernel-config /tmp/lab/config --initrd /tmp/lab/initrd.img \
    --command-line "$base" --append lab.phase=after --timeout 60s 2>&1 |
    while IFS= read -r line; do printf '%s %s\n' "$(date +%T.%3N)" "$line" | tee -a "$KEXEC_LOG"; done
  check "$PREFIX-kexec" no "liveupdate-kexec returned instead of booting the next kernel: $(tail -n 2 "$KEXEC_LOG" | tr '\n' ' ')"
  finish
}

# offline_check: liveupdated check, when this build has it, on the region the daemon let go (after a SIGTERM).
offline_check() {
  if ! dotnet "$DAEMON" --help 2>&1 | grep -q 'liveupdated check'; then
    say "this build has no 'liveupdated check': the offline check is luctl's only"
    return 0
  fi
  kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"
  dotnet "$DAEMON" check --region "$NS_REGION" --json >"$LOGS/$PREFIX-boot2-offline-check.json" 2>&1
  local rc=$?
  check "$PREFIX-offline-check-clean" "$([[ $rc == 0 ]] && echo yes || echo no)" \
    "liveupdated check --region $NS_REGION (daemon stopped): exit $rc: $(tr -d '\n' <"$LOGS/$PREFIX-boot2-offline-check.json" | cut -c1-200)"
}

ns_phase_after() {
  local boot1_log=$LOGS/$PREFIX-boot1-daemon.log
  check "$PREFIX-boot1-frozen" "$(grep -q 'sealed FROZEN' "$boot1_log" && echo yes || echo no)" "before the kexec: $(grep -o 'sealed FROZEN.*' "$boot1_log" | head -n 1)"
  timing "$PREFIX-kexec-load" "$(span ' WRAP kexec start .*-l ' ' WRAP kexec end ')"
  timing "$PREFIX-freeze-command" "$(span ' WRAP luctl start .*freeze' ' WRAP luctl end ')"
  NS_REGION=$(ns_region) || { check "$PREFIX-labels-kept" no "no nd region of the ramdax provider after the kexec"; finish; }
  local now_facts=$LOGS/$PREFIX-boot2-namespaces.txt
  namespace_facts >"$now_facts"
  check "$PREFIX-labels-kept" "$(cmp -s "$NS_FACTS_BOOT1" "$now_facts" && [[ -s $now_facts ]] && echo yes || echo no)" \
    "after the kexec, before the daemon: $(wc -l <"$now_facts") named namespaces on $NS_REGION, $(cmp -s "$NS_FACTS_BOOT1" "$now_facts" && echo "names, label UUIDs, ranges and sizes as before" || echo "differ: $(diff "$NS_FACTS_BOOT1" "$now_facts" | tr '\n' ' ')")"
  ndctl list -N -r "$(basename "$NS_REGION")" -v >"$LOGS/$PREFIX-boot2-namespaces-ndctl.json" 2>&1
  ns_daemon boot2 || finish
  wait_for_line "$LOGS/$PREFIX-boot2-daemon.log" 'reconcile \(dry run False' 120
  backend_check boot2
  stat_files boot2
  owner_check boot2 "$VM_A" "$VM_A_UID" "$DEVICE_A"
  owner_check boot2 "$VM_B" "$VM_B_UID" "$DEVICE_B"
  cross_checks boot2

  local f plan
  luctl --json plan-kexec >"$LOGS/$PREFIX-boot2-plan.json" 2>&1 &
  plan=$!
  luctl --json check >"$LOGS/$PREFIX-boot2-check.json" 2>&1
  wait "$plan"
  mapfile -t f < <(fields "$LOGS/$PREFIX-boot2-check.json" 'd["clean"]' 'd["inodes"]' 'd["problems"]')
  check "$PREFIX-check-clean" "$([[ ${f[0]} == True ]] && echo yes || echo no)" "luctl check: clean ${f[0]}, ${f[1]} inodes, problems ${f[2]}"
  mapfile -t f < <(fields "$LOGS/$PREFIX-boot2-plan.json" 'd["memmap"]' 'd["backend"]' 'd["ramdax"]')
  check "$PREFIX-plan-kexec" "$([[ ${f[0]} == "memmap=$LAB_MEMMAP" && ${f[1]} == NAMESPACES ]] && echo yes || echo no)" \
    "luctl plan-kexec: ${f[0]} (the lab reserved memmap=$LAB_MEMMAP), backend ${f[1]}; ${f[2]}"
  offline_check
  finish
}
