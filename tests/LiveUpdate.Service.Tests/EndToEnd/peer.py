# The non-C# peer of the descriptor hand-out (docs/design.md §6, files.proto on OpenResponse): Debian's python3
# only (socket.recv_fds, mmap, hashlib), no gRPC. The C# tests call Open and pass this script the token in hex, the
# fd socket's path and the extents. Each command prints one JSON object on stdout.
#
#   fetch SOCK TOKEN                  redeem TOKEN: {"status", "fds", "text"}; a received descriptor is closed
#   read SOCK TOKEN SIZE EXTENTS [--write OFFSET HEX] [--try-write]
#                                     redeem TOKEN and map each extent (EXTENTS = "file_offset:region_offset:length,...",
#                                     in file order) at its region_offset; report the access mode, the SHA-256 of the
#                                     file's SIZE bytes, and whether PROT_WRITE was refused (--try-write); --write puts
#                                     HEX bytes at file OFFSET through the mapping first
#   connect SOCK                      {"connect": "ok"} or the errno name connect(2) failed with
#   send SOCK HEX [--with-fd]         send HEX (maybe empty) as one message, with a descriptor of /dev/null attached
#                                     when --with-fd: {"status", "fds", "text"} or {"closed": true}
import errno
import fcntl
import hashlib
import json
import mmap
import os
import socket
import sys


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    s.connect(path)
    return s


def answer(s):
    msg, fds, _flags, _addr = socket.recv_fds(s, 4096, 4)
    if not msg:
        for fd in fds:
            os.close(fd)
        return {"closed": True}
    return {"status": msg[0], "fds": fds, "text": msg[1:].decode("utf-8", "replace")}


def redeem(path, token_hex):
    s = connect(path)
    s.send(bytes.fromhex(token_hex))
    reply = answer(s)
    s.close()
    return reply


def fetch(path, token_hex):
    reply = redeem(path, token_hex)
    for fd in reply.get("fds", []):
        os.close(fd)
    reply["fds"] = len(reply.get("fds", []))
    return reply


def read(path, token_hex, size, extents_text, options):
    reply = redeem(path, token_hex)
    if reply.get("status") != 0 or len(reply["fds"]) != 1:
        raise SystemExit("hand-out failed: %r" % (reply,))
    fd = reply["fds"][0]
    extents = [tuple(int(x) for x in e.split(":")) for e in extents_text.split(",")]
    accmode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    writable = accmode == os.O_RDWR
    prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
    maps = []
    expected_offset = 0
    for file_offset, region_offset, length in extents:
        assert file_offset == expected_offset, "extents are not in file order: %r" % (extents,)
        assert region_offset % mmap.ALLOCATIONGRANULARITY == 0, "region offset %d" % region_offset
        maps.append((file_offset, length, mmap.mmap(fd, length, mmap.MAP_SHARED, prot, offset=region_offset)))
        expected_offset += length
    if "--write" in options:
        at = options.index("--write")
        offset, data = int(options[at + 1]), bytes.fromhex(options[at + 2])
        for file_offset, length, m in maps:
            if file_offset <= offset < file_offset + length:
                m[offset - file_offset:offset - file_offset + len(data)] = data
    refused = None
    if "--try-write" in options:
        _file_offset, length, _m = maps[0]
        try:
            mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=extents[0][1]).close()
            refused = False
        except PermissionError:
            refused = True
    digest = hashlib.sha256()
    left = size
    for _file_offset, length, m in maps:
        take = min(left, length)
        digest.update(memoryview(m)[:take])
        left -= take
    for _file_offset, _length, m in maps:
        m.close()
    os.close(fd)
    return {"accmode": "rdwr" if writable else "rdonly", "sha256": digest.hexdigest(), "write_refused": refused,
            "granularity": mmap.ALLOCATIONGRANULARITY}


def try_connect(path):
    try:
        connect(path).close()
        return {"connect": "ok"}
    except OSError as e:
        return {"connect": errno.errorcode.get(e.errno, str(e.errno))}


def send(path, data_hex, options):
    s = connect(path)
    data = bytes.fromhex(data_hex)
    if "--with-fd" in options:
        null = os.open("/dev/null", os.O_RDONLY)
        socket.send_fds(s, [data], [null])
        os.close(null)
    else:
        s.send(data)
    reply = answer(s)
    for fd in reply.get("fds", []):
        os.close(fd)
    if "fds" in reply:
        reply["fds"] = len(reply["fds"])
    s.close()
    return reply


def main(argv):
    command = argv[0]
    if command == "fetch":
        result = fetch(argv[1], argv[2])
    elif command == "read":
        result = read(argv[1], argv[2], int(argv[3]), argv[4], argv[5:])
    elif command == "connect":
        result = try_connect(argv[1])
    elif command == "send":
        result = send(argv[1], argv[2], argv[3:])
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(result))


main(sys.argv[1:])
