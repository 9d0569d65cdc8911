# The namespaces scenario's pattern tool (Debian's python3 only), run inside the lab's guest as the uid under test.
# A device-DAX node is reached only through mmap (read and write return EINVAL), in multiples of its 2 MiB alignment.
# The pattern marks every 2 MiB block of a VM's memory with its VM's seed byte and the block's index, so a block read
# anywhere says whose memory and which block it is:
#   block i = seed byte, "LABPAT", seed byte, i (8 bytes little-endian), then the seed byte up to 2 MiB.
# Each command prints one line, "OK detail" or "FAIL detail" (exit 0 and 1), or the errno name an open failed with.
#
#   fill PATH SEED SIZE    write the pattern of SEED (0xA1) over the first SIZE bytes of PATH
#   check PATH SEED SIZE   verify it; on a mismatch name the first bad block and whose pattern it holds
#   open PATH              open PATH read-write: "OK opened", or "EACCES" (exit 1) and so on
import errno
import mmap
import os
import struct
import sys

BLOCK = 2 * 1024 * 1024
HEADER = struct.Struct("<B6sBQ")


def block(seed, index):
    head = HEADER.pack(seed, b"LABPAT", seed, index)
    return head + bytes([seed]) * (BLOCK - len(head))


def mapping(path, size, writable):
    if size <= 0 or size % BLOCK:
        raise SystemExit("FAIL size %d is not a positive multiple of 2 MiB" % size)
    fd = os.open(path, os.O_RDWR if writable else os.O_RDONLY)
    try:
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        return mmap.mmap(fd, size, mmap.MAP_SHARED, prot)
    finally:
        os.close(fd)


def owner_of(data):
    seed, magic, again, index = HEADER.unpack_from(data)
    if magic == b"LABPAT" and seed == again:
        return "the pattern of seed 0x%02x, block %d" % (seed, index)
    if not any(data):
        return "zeros"
    return "no pattern"


def fill(path, seed, size):
    m = mapping(path, size, True)
    for i in range(size // BLOCK):
        m[i * BLOCK:(i + 1) * BLOCK] = block(seed, i)
    m.close()
    return "OK wrote the pattern of seed 0x%02x over %d bytes of %s" % (seed, size, path)


def check(path, seed, size):
    m = mapping(path, size, False)
    try:
        for i in range(size // BLOCK):
            data = m[i * BLOCK:(i + 1) * BLOCK]
            if data != block(seed, i):
                return "FAIL %s block %d (of %d) holds %s, not seed 0x%02x" % (path, i, size // BLOCK, owner_of(data), seed)
    finally:
        m.close()
    return "OK the pattern of seed 0x%02x over %d bytes of %s is intact" % (seed, size, path)


def try_open(path):
    try:
        os.close(os.open(path, os.O_RDWR))
        return "OK opened %s read-write" % path
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main(argv):
    if len(argv) == 4 and argv[0] in ("fill", "check"):
        result = (fill if argv[0] == "fill" else check)(argv[1], int(argv[2], 0), int(argv[3], 0))
    elif len(argv) == 2 and argv[0] == "open":
        result = try_open(argv[1])
    else:
        raise SystemExit("usage: daxpattern.py fill|check PATH SEED SIZE | open PATH")
    print(result)
    return 0 if result.startswith("OK") else 1


sys.exit(main(sys.argv[1:]))
