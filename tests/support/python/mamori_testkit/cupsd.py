"""A cupsd of a test's own (Debian's cups packages): its configuration, spool, logs and state under the
test's folder, listening on a loopback port and on a socket in that folder, with one raw queue whose
printer is a test backend that appends each job's data to a file the test reads. Stopped by PID.

The backend lives in the test's own ServerBin (the other ServerBin folders link to Debian's); it is
root-owned and 0700, so cupsd runs it as root, and it writes to the file named by its device URI.
"""

import os
import shutil
import socket
import subprocess

from mamori_testkit.harness import wait_until

BACKEND = """#!/bin/sh
# A test printer: appends each job's data to the file its device URI names.
if [ $# -eq 0 ]; then echo 'direct mamoritest "Unknown" "mamori test printer"'; exit 0; fi
out="${DEVICE_URI#mamoritest:}"
if [ -n "$6" ]; then cat "$6" >> "$out"; else cat >> "$out"; fi
"""


def require_tool(name, package):
    if shutil.which(name) is None:
        raise AssertionError(f"{name} is missing: install {package} (scripts/bootstrap.sh --test)")


class Cupsd:
    def __init__(self, workdir, queue="mamori-test"):
        self.root = os.path.join(workdir, "cups")
        self.spool = os.path.join(self.root, "spool")
        self.output = os.path.join(self.root, "printed.out")
        self.socket = os.path.join(self.root, "cups.sock")
        self.queue = queue
        self.port = None
        self.proc = None
        self.log = None

    def start(self):
        require_tool("cupsd", "cups")
        require_tool("lp", "cups-client")
        if not os.path.isdir("/usr/lib/cups/daemon"):
            raise AssertionError("/usr/lib/cups/daemon is missing: install cups-daemon (scripts/bootstrap.sh --test)")
        for d in ("spool", "cache", "state", "log", "spool/tmp", "bin/backend"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        for d in ("daemon", "filter", "notifier", "cgi-bin", "driver", "monitor"):
            if os.path.exists(f"/usr/lib/cups/{d}") and not os.path.exists(os.path.join(self.root, "bin", d)):
                os.symlink(f"/usr/lib/cups/{d}", os.path.join(self.root, "bin", d))
        backend = os.path.join(self.root, "bin", "backend", "mamoritest")
        with open(backend, "w") as f:
            f.write(BACKEND)
        os.chmod(backend, 0o700)
        # cupsd cannot report a port it was given as 0: take a free one from the kernel first.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        open(self.output, "wb").close()
        with open(os.path.join(self.root, "cupsd.conf"), "w") as f:
            f.write(f"Listen 127.0.0.1:{self.port}\nListen {self.socket}\nBrowsing No\nLogLevel info\n"
                    "WebInterface No\nDefaultAuthType None\n"
                    "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                    "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n")
        with open(os.path.join(self.root, "cups-files.conf"), "w") as f:
            f.write(f"ServerRoot {self.root}\nServerBin {self.root}/bin\nRequestRoot {self.spool}\n"
                    f"TempDir {self.spool}/tmp\nCacheDir {self.root}/cache\nStateDir {self.root}/state\n"
                    f"AccessLog {self.root}/log/access_log\nErrorLog {self.root}/log/error_log\n"
                    f"PageLog {self.root}/log/page_log\nPrintcap {self.root}/printcap\n")
        with open(os.path.join(self.root, "printers.conf"), "w") as f:
            f.write(f"<Printer {self.queue}>\nInfo mamori test queue\nState Idle\nAccepting Yes\n"
                    f"DeviceURI mamoritest:{self.output}\n</Printer>\n")
        self.log = open(os.path.join(self.root, "cupsd.out"), "ab")
        self.proc = subprocess.Popen(["cupsd", "-f", "-c", os.path.join(self.root, "cupsd.conf"),
                                      "-s", os.path.join(self.root, "cups-files.conf")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self._answers(), 30, f"cupsd to answer on 127.0.0.1:{self.port} ({self.root}/log)")
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"cupsd exited with {self.proc.returncode}: "
                                 f"{self.tail('cupsd.out')}{self.tail('log/error_log')}")
        done = subprocess.run(["lpstat", "-h", f"127.0.0.1:{self.port}", "-p", self.queue],
                              capture_output=True, text=True, timeout=30)
        return done.returncode == 0 and os.path.exists(self.socket)

    def tail(self, name):
        try:
            with open(os.path.join(self.root, name), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def lp(self, *args):
        return subprocess.run(["lp", "-h", self.socket, *args], check=True, capture_output=True, text=True,
                              timeout=60).stdout

    def add_class(self, name):
        """A class holding the test queue, accepting and enabled."""
        for args in (["lpadmin", "-h", self.socket, "-p", self.queue, "-c", name],
                     ["cupsaccept", "-h", self.socket, name], ["cupsenable", "-h", self.socket, name]):
            subprocess.run(args, check=True, capture_output=True, text=True, timeout=60)

    def print_file(self, path, title, *options, queue=None):
        """Submits path (to the test queue, or another queue or class); returns the job id."""
        out = self.lp("-d", queue or self.queue, "-t", title, *options, path)
        # "request id is mamori-test-7 (1 file(s))"
        return int(out.split()[3].rsplit("-", 1)[1])

    def job_state(self, job_id):
        """The job's IPP state ('pending-held', 'pending', 'processing', 'completed', 'canceled' ...) and
        its job-hold-until, from Get-Job-Attributes (ipptool); (None, None) when cupsd does not say."""
        require_tool("ipptool", "cups-ipp-utils")
        done = subprocess.run(["ipptool", f"ipp://localhost:{self.port}/jobs/{job_id}",
                               os.path.join(os.path.dirname(os.path.abspath(__file__)), "cups-job-state.test")],
                              capture_output=True, text=True, timeout=30)
        lines = done.stdout.splitlines()
        # A table: the attribute names, a rule, then the values.
        if done.returncode != 0 or len(lines) < 3:
            return None, None
        values = lines[2].split()
        return (values[0], values[1]) if len(values) >= 2 else (None, None)

    def printed(self):
        with open(self.output, "rb") as f:
            return f.read()

    def hold_default(self, queue=None):
        """The queue's job-hold-until default as cupsd reports it ("no-hold", "indefinite")."""
        done = subprocess.run(["lpoptions", "-h", self.socket, "-p", queue or self.queue],
                              capture_output=True, text=True, timeout=30, check=True)
        for option in done.stdout.split():
            if option.startswith("job-hold-until="):
                return option.split("=", 1)[1]
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        if self.log:
            self.log.close()
