# Stalled gRPC clients (a slowloris): connects COUNT Unix sockets to SOCKET and never speaks HTTP/2 on them: "silent"
# sends nothing, "partial" sends the first half of the HTTP/2 preface. Prints {"connected": N} once all are connected,
# then answers each line on stdin with {"open": K}: how many the daemon has not closed. Exits at end of input.
# Debian's python3 only; run by Limits/StalledConnectionTests as other uids.
import json
import socket
import sys

path, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
half_preface = b"PRI * HTTP/2.0\r\n"
sockets = []
for _ in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if mode == "partial":
        try:
            s.send(half_preface)
        except OSError:
            pass  # already closed by the daemon: counted as closed below
    sockets.append(s)

print(json.dumps({"connected": len(sockets)}), flush=True)


def still_open(s):
    try:
        return s.recv(65536, socket.MSG_DONTWAIT | socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


for _ in sys.stdin:
    print(json.dumps({"open": sum(1 for s in sockets if still_open(s))}), flush=True)
