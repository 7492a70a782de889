#!/usr/bin/env python3
"""QEMU's guestfwd runs this once per guest connection (user networking, `guestfwd=...-cmd:`): it relays
the connection, on stdin and stdout, to a TCP port on the host's loopback (the test's collector).
  relay.py PORT"""
import os
import select
import socket
import sys


def main():
    upstream = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    ends = {0: upstream.fileno(), upstream.fileno(): 1}
    open_reads = [0, upstream.fileno()]
    while open_reads:
        readable, _, _ = select.select(open_reads, [], [])
        for fd in readable:
            data = os.read(fd, 65536)
            if not data:
                open_reads.remove(fd)
                if fd == 0:
                    upstream.shutdown(socket.SHUT_WR)
                else:
                    return 0
                continue
            target = ends[fd]
            while data:
                data = data[os.write(target, data):]
    return 0


if __name__ == "__main__":
    sys.exit(main())
