#!/bin/sh
# /init of the real-kexec lab's initramfs (busybox ash). It prepares the machine and hands over to guest/lab.sh, which
# runs in a chroot of the host's root (read-only over virtio-9p) with the work folder (read-write, second 9p share).
#
# Kernel command line (set by run.sh, carried across each kexec by the next command line):
#   lab.scenario=positive|qemu|negative|namespaces   lab.phase=fresh|after|scrub|lost   lab.repo=DIR   lab.work=DIR
#   lab.memmap=SIZE!START
#
#   The namespaces scenario boots Debian's 7.3 kernel: at every boot the reserved range is bound to the ramdax driver
#   (a label-capable nd region whose labels live in the range) instead of becoming /dev/pmem0; lab.sh does the rest.
#
#   fresh  (1st boot)        memmap= reserved RAM -> /dev/pmem0 -> devdax namespace /dev/dax0.0; lab.sh starts the daemon
#                            with --format and a test VMM and/or a QEMU guest, freezes and kexecs (positive, qemu: with
#                            the reservation, phase after; negative: without it and with memtest=1, phase scrub)
#   after  (positive, qemu)  /dev/dax0.0 must have come back by itself; lab.sh restarts the daemon and verifies
#   scrub  (negative, 2nd)   a kernel that did not reserve the range and scrubbed free RAM (memtest=1): kexec straight
#                            back into a kernel with the reservation, phase lost (this script, no chroot)
#   lost   (negative, 3rd)   the range is reserved again but its contents are gone; lab.sh checks the daemon refuses it
#                            or reports the loss, and never hands it out as good
# Lines "LAB ..." are read by run.sh from the serial console.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# What udev would add to /dev: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr

up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "[lab t=$(up)s] $*"; }
read -r CMDLINE </proc/cmdline
arg() { for w in $CMDLINE; do case "$w" in "$1="*) echo "${w#*=}"; return;; esac; done; echo "$2"; }
# The running command line without the words matching any of the given patterns.
cmdline_without() {
    out=
    for w in $CMDLINE; do
        keep=1
        # shellcheck disable=SC2254 # the arguments are glob patterns
        for p in "$@"; do case "$w" in $p) keep=0;; esac; done
        [ $keep = 1 ] && out="$out $w"
    done
    echo "${out# }"
}
result() { echo "LAB $1 $2: $3"; }   # PASS|FAIL name: detail (checks made before the chroot)
halt_now() { sync; poweroff -f; sleep 10; }
die() { result FAIL "$1" "$2"; halt_now; }

SCENARIO=$(arg lab.scenario positive)
PHASE=$(arg lab.phase fresh)
REPO=$(arg lab.repo "")
WORK=$(arg lab.work "")
MEMMAP=$(arg lab.memmap "")
log "LAB-INIT-START kernel $(uname -r) scenario=$SCENARIO phase=$PHASE"
if [ -z "$REPO" ] || [ -z "$WORK" ] || [ -z "$MEMMAP" ]; then
    die guest-setup "lab.repo, lab.work and lab.memmap must be on the command line"
fi

# bind_ramdax: the reserved range (platform device e820_pmem) to ramdax rather than nd_e820, as deploy/install.sh sets
# it up on a host: driver_override first, then the driver (nothing here loads nd_e820: there is no udev).
bind_ramdax() {
    pdev=/sys/bus/platform/devices/e820_pmem
    [ -e $pdev ] || die guest-setup "no $pdev: memmap=$MEMMAP did not reserve the range"
    echo ramdax >$pdev/driver_override || die guest-setup "cannot set $pdev/driver_override"
    modprobe ramdax || die guest-setup "modprobe ramdax failed: the kernel has no ramdax module"
    [ -e $pdev/driver ] || echo e820_pmem >/sys/bus/platform/drivers_probe
    for b in /sys/bus/nd/devices/ndbus*; do [ -e "$b/wait_probe" ] && cat "$b/wait_probe" >/dev/null; done
    regions=
    for r in /sys/bus/nd/devices/region*; do [ -e "$r" ] && regions="$regions $(basename "$r")"; done
    log "e820_pmem bound to $(basename "$(readlink $pdev/driver)"); nd regions:$regions"
}

if [ "$SCENARIO" = namespaces ]; then
    t0=$(up)
    for m in libnvdimm nd_btt nd_pmem dax_pmem device_dax; do modprobe $m || log "modprobe $m failed"; done
    bind_ramdax
    log "ramdax bound in $(echo "$(up) $t0" | awk '{printf "%.2f", $1 - $2}') s (modules included)"
else
    for m in libnvdimm nd_btt nd_e820 nd_pmem device_dax dax_pmem; do modprobe $m || log "modprobe $m failed"; done
    i=0
    while [ ! -e /dev/pmem0 ] && [ ! -e /dev/dax0.0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
devices() { found=; for d in /dev/pmem* /dev/dax*; do [ -e "$d" ] && found="$found ${d#/dev/}"; done; echo "${found# }"; }
log "devices: $(devices)"

# repack_initrd FILE: the running initramfs as an archive for kexec (kernel 6.1 has no /sys/firmware/initrd);
# -xdev leaves out /proc, /sys, /dev, /tmp and /host, and keeps their empty mount points.
repack_initrd() {
    (cd / && find . -xdev | cpio -o -H newc 2>/dev/null) >"$1"
}

if [ "$PHASE" = scrub ]; then
    tested=$(dmesg | grep -ci 'early_memtest')
    log "scrub kernel: $tested early_memtest lines: $(dmesg | grep -i -m1 'early_memtest')"
    if [ -e /dev/pmem0 ] || [ -e /dev/dax0.0 ]; then
        result FAIL negative-scrub-kernel "the middle kernel reserved the range although its command line has no memmap="
    elif [ "$tested" -gt 0 ]; then
        result PASS negative-scrub-kernel "booted without memmap= (no pmem0, no dax0.0) and memtest=1 scrubbed free RAM ($tested early_memtest lines)"
    else
        result FAIL negative-scrub-kernel "memtest=1 left no early_memtest line: the control would be blind"
    fi
    repack_initrd /tmp/initrd.img
    next="$(cmdline_without 'memtest=*' 'lab.phase=*') memmap=$MEMMAP lab.phase=lost"
    kexec -s -l /boot/vmlinuz --initrd=/tmp/initrd.img --append="$next" || die negative-scrub-kernel "kexec load failed"
    log "LAB-KEXEC-EXECUTE back into a kernel with memmap=$MEMMAP"
    sync
    kexec -e
    die negative-scrub-kernel "kexec -e returned"
fi

DAX_CAME_BACK=no
DAX_RECREATED=no
case "$SCENARIO:$PHASE" in
    namespaces:*) ;;
    *:fresh)
        [ -e /dev/pmem0 ] || die guest-setup "no /dev/pmem0: memmap=$MEMMAP did not reserve the range"
        t0=$(up)
        ndctl create-namespace -f -e namespace0.0 --mode=devdax --align=2M >/dev/null || die guest-setup "ndctl create-namespace --mode=devdax failed"
        [ -e /dev/dax0.0 ] || die guest-setup "no /dev/dax0.0 after the devdax conversion"
        log "devdax conversion took $(echo "$(up) $t0" | awk '{printf "%.2f", $1 - $2}') s"
        ;;
    *:after | *:lost)
        if [ -e /dev/dax0.0 ]; then
            DAX_CAME_BACK=yes
        elif [ "$PHASE" = lost ] && [ -e /dev/pmem0 ]; then
            # The devdax info block lived in the scrubbed range too. Recreate the namespace as an operator would (it
            # writes the info block only), so that the daemon gets to look at what is left of the region.
            ndctl create-namespace -f -e namespace0.0 --mode=devdax --align=2M >/dev/null && DAX_RECREATED=yes
        fi
        ;;
esac
[ -e /dev/dax0.0 ] && log "dax0.0: size $(cat /sys/bus/dax/devices/dax0.0/size) resource $(cat /sys/bus/dax/devices/dax0.0/resource 2>/dev/null) align $(cat /sys/bus/dax/devices/dax0.0/align 2>/dev/null); sysfs $(readlink -f /sys/bus/dax/devices/dax0.0); nd region $(cat /sys/bus/nd/devices/region0/resource 2>/dev/null) size $(cat /sys/bus/nd/devices/region0/size 2>/dev/null); namespace $(cat /sys/bus/nd/devices/namespace0.0/resource 2>/dev/null) size $(cat /sys/bus/nd/devices/namespace0.0/size 2>/dev/null)"

# The daemon's metrics listener (the namespaces scenario reads its figures there) needs the loopback interface.
ip link set lo up || log "ip link set lo up failed"

# The host's root, read-only (cache=loose makes .NET start in seconds), as a chroot with writable /tmp, /run, /dev/shm.
for m in virtio_pci 9pnet_virtio 9p; do modprobe $m || log "modprobe $m failed"; done
mkdir -p /host /keep/repo
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /host || die guest-setup "9p mount of the host root failed"
for d in proc sys dev; do mount --bind /$d /host/$d; done
# A tmpfs over /tmp or /run would hide the repository if it lives there: keep it and bind it back afterwards.
mount --bind "/host$REPO" /keep/repo || die guest-setup "the repository $REPO is not visible over 9p"
mount -t tmpfs tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mkdir -p /host/dev/shm && mount -t tmpfs tmpfs /host/dev/shm
if ! { mkdir -p "/host$REPO" && mount --bind /keep/repo "/host$REPO"; }; then
    die guest-setup "cannot bind the repository back at $REPO"
fi
# The work folder, read-write and uncached (what the guest writes is on the host at once, before any kexec).
mkdir -p "/host$WORK" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 labwork "/host$WORK" || die guest-setup "9p mount of the work folder failed"
mkdir -p /host/tmp/lab
log "host root at /host, repository $REPO, work folder $WORK"

if [ "$PHASE" = fresh ]; then
    # What lab.sh kexecs into: this kernel and this initramfs.
    t0=$(up)
    repack_initrd /host/tmp/lab/initrd.img
    cp /boot/vmlinuz /host/tmp/lab/vmlinuz
    [ -e /boot/config ] && cp /boot/config /host/tmp/lab/config
    log "initramfs repacked for kexec ($(wc -c </host/tmp/lab/initrd.img) bytes) in $(echo "$(up) $t0" | awk '{printf "%.2f", $1 - $2}') s"
fi

chroot /host /usr/bin/env -i \
    HOME=/tmp/home PATH=/tmp/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC LANG=C.UTF-8 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=0 \
    LAB_SCENARIO="$SCENARIO" LAB_PHASE="$PHASE" LAB_REPO="$REPO" LAB_WORK="$WORK" LAB_MEMMAP="$MEMMAP" \
    LAB_DAX_CAME_BACK=$DAX_CAME_BACK LAB_DAX_RECREATED=$DAX_RECREATED \
    /bin/bash "$REPO/tests/kexec-lab/guest/lab.sh"
log "lab.sh exited with $?; powering off"
halt_now
