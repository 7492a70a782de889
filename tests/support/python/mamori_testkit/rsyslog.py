"""A test-owned rsyslog (Debian's rsyslogd as a child with its own config, work directory and port)
and a CA made with openssl for its TLS listener (tests/integration/test_siem.py, bench/siem.py)."""

import os
import re
import socket
import subprocess

from mamori_testkit.harness import Process, wait_until

RSYSLOGD = "/usr/sbin/rsyslogd"

# What RSYSLOG_SyslogProtocol23Format writes: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG
LINE = re.compile(r'^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?(?<!\\)\]) (.*)$')
SD_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def make_test_ca(workdir):
    """A CA and a server certificate for localhost/127.0.0.1 signed by it, made with openssl."""
    d = os.path.join(workdir, "pki")
    os.makedirs(d)

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "2", "-subj", "/CN=mamori SIEM test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return {name: os.path.join(d, name) for name in ("ca.pem", "server.pem", "server.key")}


class Rsyslog:
    """rsyslogd -n with its own config: imtcp on 127.0.0.1 (plain or gtls), every message to one file."""

    def __init__(self, workdir, name, pki=None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "work"))
        self.output = os.path.join(self.dir, "received.log")
        self.port_file = os.path.join(self.dir, "port")
        self.pki = pki
        self.port = 0
        self.process = None
        self.runs = 0

    def _config(self):
        tls_global = tls_module = ""
        if self.pki:
            tls_global = (f' defaultNetstreamDriverCAFile="{self.pki["ca.pem"]}"'
                          f' defaultNetstreamDriverCertFile="{self.pki["server.pem"]}"'
                          f' defaultNetstreamDriverKeyFile="{self.pki["server.key"]}"')
            tls_module = ' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"'
        return (f'global(workDirectory="{self.dir}/work" maxMessageSize="64k"{tls_global})\n'
                f'module(load="imtcp"{tls_module})\n'
                f'input(type="imtcp" address="127.0.0.1" port="{self.port}" listenPortFileName="{self.port_file}"'
                f' ruleset="mamori")\n'
                f'ruleset(name="mamori") {{\n'
                f'  action(type="omfile" file="{self.output}" template="RSYSLOG_SyslogProtocol23Format")\n'
                f'}}\n')

    def start(self):
        """Starts on port 0 the first time, then on the same port again (the collector's config names it)."""
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(self._config())
        self.runs += 1
        self.process = Process([RSYSLOGD, "-n", "-f", conf, "-i", os.path.join(self.dir, "rsyslogd.pid")],
                               os.path.join(self.dir, f"rsyslogd.{self.runs}.log"))

        def port_written():
            if not self.process.running():
                raise AssertionError("rsyslogd exited early:\n" + self.process.output())
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                return int(text) if text else None
            except (FileNotFoundError, ValueError):
                return None

        def accepting():  # rsyslog writes the port file only for port 0
            if not self.process.running():
                raise AssertionError("rsyslogd exited early:\n" + self.process.output())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return None

        if self.port == 0:
            self.port = wait_until(port_written, 30, "rsyslogd's port file")
        else:
            wait_until(accepting, 30, f"rsyslogd listening again on port {self.port}")
        return self

    def stop(self):
        self.process.stop()

    def messages(self):
        """Every line rsyslog wrote, parsed: (pri, timestamp, host, app, msgid, sd params, msg)."""
        if not os.path.exists(self.output):
            return []
        out = []
        with open(self.output, encoding="utf-8") as f:
            for line in f:
                m = LINE.match(line.rstrip("\n"))
                if not m:
                    raise AssertionError(f"rsyslog wrote a line that is not one RFC 5424 message: {line!r}")
                pri, ts, host, app, _procid, msgid, sd, msg = m.groups()
                params = {k: re.sub(r'\\(.)', r'\1', v) for k, v in SD_PARAM.findall(sd)}
                out.append({"pri": int(pri), "time": ts, "host": host, "app": app, "msgid": msgid, "sd": params,
                            "msg": msg})
        return out

    def event_ids(self):
        return [m["sd"]["event_id"] for m in self.messages()]
