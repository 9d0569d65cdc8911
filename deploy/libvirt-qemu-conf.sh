#!/usr/bin/env bash
# libvirt-qemu-conf.sh QEMU_CONF [--region-device PATH] [--namespaces-backend]: makes libvirt's qemu.conf let QEMU see
# the region (docs/design.md §15). libvirt gives each QEMU a private /dev that hides every device it does not know
# (QEMU then fails with "Permission denied" on the region), and a device cgroup that allows only cgroup_device_acl.
# This keeps one block, between the two marker lines below, and rewrites only that block:
#   namespaces = [ ]                  no private /dev: the region's path (and on the namespaces backend each VM's own
#                                     /dev/daxX.Y, created while libvirt runs) is the host's
#   cgroup_device_acl = [ … ]         libvirt's default list, plus --region-device (a devdax region such as /dev/dax0.0)
#   cgroup_controllers = [ … ]        --namespaces-backend only: every controller but "devices", since each VM's device
#                                     is created after libvirt starts and cgroup_device_acl takes no patterns
# A setting of the same name outside the block is the operator's: it is left alone, with a warning on stderr (libvirt
# reads the first one). Used by deploy/install.sh and by the libvirt tests (their own libvirtd's qemu.conf).
# Prints "changed" or "unchanged". Exit codes: 0 done, 1 failed, 2 usage.
set -euo pipefail

usage() { echo "usage: libvirt-qemu-conf.sh QEMU_CONF [--region-device PATH] [--namespaces-backend]" >&2; exit 2; }
(($#)) || usage
conf=$1
shift
region_device=""
namespaces_backend=0
while (($#)); do
  case "$1" in
    --region-device) (($# >= 2)) || usage; region_device=$2; shift 2 ;;
    --namespaces-backend) namespaces_backend=1; shift ;;
    *) usage ;;
  esac
done
[[ -z "$region_device" || "$region_device" == /dev/* ]] || { echo "libvirt-qemu-conf.sh: --region-device must be a /dev path, not $region_device" >&2; exit 2; }

begin="# BEGIN liveupdate: written by LiveUpdate's install.sh (deploy/libvirt-qemu-conf.sh); edit outside this block"
end="# END liveupdate"
acl='"/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/ptmx", "/dev/kvm", "/dev/userfaultfd"'
[[ -n "$region_device" ]] && acl+=", \"$region_device\""

current=""
[[ -f "$conf" ]] && current=$(cat -- "$conf")
# The file without our block: what the operator wrote.
outside=$(printf '%s\n' "$current" | awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip')

block=("$begin" "# The region must be visible to QEMU (README.md, \"Running libvirt VMs\").")
add() {
  local key=$1 value=$2
  if grep -qE "^[[:space:]]*${key}[[:space:]]*=" <<<"$outside"; then
    echo "libvirt-qemu-conf.sh: warning: $conf sets $key itself: left as it is; LiveUpdate needs $key = $value" >&2
  else
    block+=("$key = $value")
  fi
}
add namespaces "[ ]"
add cgroup_device_acl "[ $acl ]"
((namespaces_backend)) && add cgroup_controllers '[ "cpu", "memory", "blkio", "cpuset", "cpuacct" ]'
block+=("$end")

wanted=$(printf '%s\n' "${outside%$'\n'}" "${block[@]}")
[[ -z "$outside" ]] && wanted=$(printf '%s\n' "${block[@]}")
if [[ "$current" == "$wanted" ]]; then
  echo unchanged
  exit 0
fi
mkdir -p -- "$(dirname -- "$conf")"
tmp=$(mktemp "$conf.XXXXXX")
printf '%s\n' "$wanted" >"$tmp"
chmod 644 -- "$tmp"
[[ -f "$conf" ]] && chmod --reference="$conf" -- "$tmp"
mv -f -- "$tmp" "$conf"
echo changed
