#!/usr/bin/env bash
# build-initramfs.sh WORKDIR: the guest of the real-kexec lab, around a Debian kernel.
#
# Writes OUT/vmlinuz (the kernel QEMU boots) and OUT/initrd.img: busybox (static) as the shell of guest/init.sh, kexec,
# ndctl and daxctl with the libraries ldd names, and the modules that turn memmap= reserved RAM into device DAX (nd_pmem
# and dax_pmem, or ramdax when the kernel has it) and mount the host over virtio-9p, with their dependencies
# (decompressed when the kernel ships them compressed: busybox's modprobe reads plain .ko files), depmod'ed for the
# subset. The kernel is copied in as /boot/vmlinuz, with its config as /boot/config: it is the kernel the guest kexecs
# into. Nothing else: .NET, the daemon and the test tools come from the host's root over 9p at run time. Needs the
# Debian packages run.sh installs.
# Environment: KVER (the kernel release, default the newest *-amd64 under /lib/modules); KERNEL_ROOT (a kernel unpacked,
# not installed, by fetch-kernel.sh: its lib/modules/KVER holds vmlinuz, config and the modules; default: the host's
# installed kernel, /boot/vmlinuz-KVER and /lib/modules/KVER); OUT (default WORKDIR/out).
set -euo pipefail
work=${1:?usage: build-initramfs.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$work/out}
if [[ -n "${KERNEL_ROOT:-}" ]]; then
  kver=${KVER:?KERNEL_ROOT needs KVER}
  modules=$KERNEL_ROOT/lib/modules/$kver
  vmlinuz=$modules/vmlinuz
  config=$modules/config
else
  kver=${KVER:-$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' | sort -V | tail -n 1)}
  [[ -n "$kver" ]] || { echo "build-initramfs: no *-amd64 kernel under /lib/modules (apt-get install linux-image-amd64)" >&2; exit 1; }
  modules=/lib/modules/$kver
  vmlinuz=/boot/vmlinuz-$kver
  config=/boot/config-$kver
fi
[[ -r "$vmlinuz" ]] || { echo "build-initramfs: $vmlinuz is missing (apt-get install linux-image-amd64)" >&2; exit 1; }
[[ -r "$modules/modules.dep" ]] || { echo "build-initramfs: $modules/modules.dep is missing (depmod)" >&2; exit 1; }

root=$work/rootfs
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

# modules and their dependencies (modules.dep), then depmod for the subset. Built into the kernel is as good (Debian's
# 7.3 has virtio_pci built in); fscache and netfs come in as dependencies where the kernel has them as modules.
wanted="nd_e820 libnvdimm nd_pmem nd_btt dax_pmem device_dax 9p 9pnet 9pnet_virtio virtio_pci"
grep -qsE '^CONFIG_RAMDAX=[ym]$' "$config" && wanted="$wanted ramdax"
dest=$root/lib/modules/$kver
add_module() {
  local line file plain
  if ! line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$modules/modules.dep"); then
    grep -qE "(^|/)$1\.ko\$" "$modules/modules.builtin" && return 0
    echo "build-initramfs: module $1 not in $modules" >&2
    exit 1
  fi
  for file in ${line/:/}; do
    plain=${file%.xz}
    plain=${plain%.zst}
    [[ -e "$dest/$plain" ]] && continue
    mkdir -p "$dest/$(dirname "$plain")"
    case "$file" in
      *.xz) xz -dc "$modules/$file" >"$dest/$plain" ;;
      *.zst) zstd -qdc "$modules/$file" >"$dest/$plain" ;;
      *) cp "$modules/$file" "$dest/$plain" ;;
    esac
  done
}
for module in $wanted; do add_module "$module"; done
cp "$modules"/modules.{order,builtin,builtin.modinfo} "$dest/"
depmod -b "$root" "$kver"

cp "$vmlinuz" "$root/boot/vmlinuz"
[[ -r "$config" ]] && cp "$config" "$root/boot/config"
cp "$vmlinuz" "$out/vmlinuz"
install -m 755 "$here/guest/init.sh" "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img"
rm -rf "$root"
echo "build-initramfs: kernel $kver, initrd $(du -h "$out/initrd.img" | cut -f1)"
