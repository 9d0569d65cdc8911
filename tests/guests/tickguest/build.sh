#!/usr/bin/env bash
# build.sh OUTPUT: builds tickguest (a few KB, 32-bit multiboot ELF for QEMU's -kernel) with the host's gcc, no libc.
# Prints the output's path. Exit codes: 0 built, 1 failed, 2 usage.
set -euo pipefail
(($# == 1)) || { echo "usage: build.sh OUTPUT" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
command -v gcc >/dev/null || { echo "build.sh: gcc is needed (apt-get install gcc)" >&2; exit 1; }
gcc -m32 -ffreestanding -fno-pic -fno-stack-protector -nostdlib -static -O2 -Wall -Werror \
  -Wl,--build-id=none -Wl,-n -Wa,--noexecstack -Wl,--no-warn-rwx-segments \
  -T "$here/tickguest.ld" "$here/boot.S" "$here/tickguest.c" -o "$1"
echo "$1"
