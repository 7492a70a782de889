"""A tiny BitTorrent HTTP tracker for test_p2p.py: remembers the peers of each info_hash and answers
compact peer lists. Usage: p2p_tracker.py PORT (binds 127.0.0.1; run inside the test's namespace)."""
import http.server
import socket
import struct
import sys
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
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
