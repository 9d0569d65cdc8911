#!/usr/bin/env bash
# build-initramfs.sh WORKDIR: the guest of the real-kexec lab, around Debian's linux-image-amd64 kernel.
#
# Writes WORKDIR/out/vmlinuz (the kernel QEMU boots) and WORKDIR/out/initrd.img: busybox (static) as the shell of
# guest/init.sh, kexec, ndctl and daxctl with the libraries ldd names, and the modules that turn memmap= reserved RAM
# into /dev/dax0.0 and mount the host over virtio-9p (with their dependencies, depmod'ed for the subset). The kernel is
# copied in as /boot/vmlinuz: it is the kernel the guest kexecs into. Nothing else: .NET, the daemon and the test
# tools come from the host's root over 9p at run time. Needs the Debian packages run.sh installs.
# Environment: KVER (the kernel release, default the newest *-amd64 under /lib/modules).
set -euo pipefail
work=${1:?usage: build-initramfs.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
kver=${KVER:-$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' | sort -V | tail -n 1)}
[[ -n "$kver" ]] || { echo "build-initramfs: no *-amd64 kernel under /lib/modules (apt-get install linux-image-amd64)" >&2; exit 1; }
vmlinuz=/boot/vmlinuz-$kver
modules=/lib/modules/$kver
[[ -r "$vmlinuz" ]] || { echo "build-initramfs: $vmlinuz is missing (apt-get install linux-image-amd64)" >&2; exit 1; }

root=$work/rootfs
out=$work/out
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,boot,host,etc,lib64,lib/x86_64-linux-gnu} "$out"

# busybox (static) and its applets
busybox=$(command -v busybox)
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done

# dynamic binaries and the libraries they link (kexec links libxen*, ndctl and daxctl libkmod, libudev, ...)
copy_binary() {
  local path lib
  path=$(command -v "$1") || { echo "build-initramfs: $1 not found" >&2; exit 1; }
  cp "$path" "$root/sbin/$1"
  for lib in $(ldd "$path" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
PATH=$PATH:/sbin:/usr/sbin
copy_binary kexec
copy_binary ndctl
copy_binary daxctl

# modules and their dependencies (modules.dep), then depmod for the subset
wanted="nd_e820 libnvdimm nd_pmem nd_btt dax_pmem device_dax 9p 9pnet 9pnet_virtio netfs fscache virtio_pci"
add_module() {
  local line file
  line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$modules/modules.dep") || { echo "build-initramfs: module $1 not in $modules" >&2; exit 1; }
  for file in ${line/:/}; do
    [[ -e "$root$modules/$file" ]] && continue
    mkdir -p "$root$modules/$(dirname "$file")"
    cp "$modules/$file" "$root$modules/$file"
  done
}
for module in $wanted; do add_module "$module"; done
cp "$modules"/modules.{order,builtin,builtin.modinfo} "$root$modules/"
depmod -b "$root" "$kver"

cp "$vmlinuz" "$root/boot/vmlinuz"
cp "$vmlinuz" "$out/vmlinuz"
install -m 755 "$here/guest/init.sh" "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img"
rm -rf "$root"
echo "build-initramfs: kernel $kver, initrd $(du -h "$out/initrd.img" | cut -f1)"
