"""A tiny BitTorrent tracker for test_p2p.py: remembers the peers of each info_hash and answers
compact peer lists, over HTTP (TCP PORT) and the UDP tracker protocol of BEP 15 (UDP PORT).
Usage: p2p_tracker.py PORT (binds 127.0.0.1; run inside the test's namespace). Prints a line per UDP
announce; announces every 5 s."""
import http.server
import os
import socket
import struct
import sys
import threading
import urllib.parse

peers = {}
def benc(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, dict): return b"d" + b"".join(benc(k.encode()) + benc(x) for k, x in sorted(v.items())) + b"e"
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query.encode('latin-1').decode('latin-1'), encoding='latin-1')
        ih = q.get('info_hash', [''])[0]
        port = int(q.get('port', ['0'])[0])
        lst = peers.setdefault(ih, [])
        me = ('127.0.0.1', port)
        if me not in lst: lst.append(me)
        others = b"".join(socket.inet_aton(h) + struct.pack(">H", p) for h, p in lst if p != port)
        body = benc({"interval": 5, "peers": others})
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass


def serve_udp(port):
    """BEP 15: a connect (the protocol id, action 0) gets a connection id; an announce with it gets the
    swarm's other peers, a scrape its counts. Anything else is ignored."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    connection_ids = set()
    while True:
        data, sender = sock.recvfrom(2048)
        if len(data) == 16 and data[:12] == bytes.fromhex("000004172710198000000000"):
            connection_id = os.urandom(8)
            connection_ids.add(connection_id)
            sock.sendto(struct.pack(">II", 0, struct.unpack(">I", data[12:16])[0]) + connection_id, sender)
        elif len(data) >= 98 and data[:8] in connection_ids and struct.unpack(">I", data[8:12])[0] == 1:
            transaction = struct.unpack(">I", data[12:16])[0]
            ih, port = data[16:36], struct.unpack(">H", data[96:98])[0]
            lst = peers.setdefault(ih, [])
            if ("127.0.0.1", port) not in lst: lst.append(("127.0.0.1", port))
            others = b"".join(socket.inet_aton(h) + struct.pack(">H", p) for h, p in lst if p != port)
            sock.sendto(struct.pack(">IIIII", 1, transaction, 5, 0, len(lst)) + others, sender)
            print(f"udp announce from port {port}", flush=True)  # for a test waiting on the swarm
        elif len(data) >= 36 and data[:8] in connection_ids and struct.unpack(">I", data[8:12])[0] == 2:
            # A scrape: seeders, completed, leechers per info_hash. Left unanswered, a client stops
            # announcing until its request times out and then connects again.
            transaction = struct.unpack(">I", data[12:16])[0]
            counts = b"".join(struct.pack(">III", 0, 0, len(peers.get(data[i:i + 20], [])))
                              for i in range(16, len(data) - 19, 20))
            sock.sendto(struct.pack(">II", 2, transaction) + counts, sender)


threading.Thread(target=serve_udp, args=(int(sys.argv[1]),), daemon=True).start()
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
