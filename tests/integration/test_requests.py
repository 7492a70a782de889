"""Exception requests end to end (issue 20, docs/admin.md "Exception requests"): a real agent on a
recorded sysfs tree blocks a stick and tells the user on their desktop (notify-send as that user on
their own session bus, a test notification service answering); an unprivileged user runs `mamori-agent request` against the
agent's request socket; the agent sends it to a real collector over TLS; an administrator approves it
through the admin API; the agent learns the answer at its next policy poll, authorizes the stick,
and blocks it again when the window ends. A refusal reaches the PC too; a console viewer can read the
requests but not answer them."""

import http.client
import json
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import unittest

from mamori_testkit.harness import MamoriTestCase, binary, wait_until

POLL_MS = 5000  # the smallest policy poll a policy may set
PASSWORD = "correct horse battery"
STICK = "2-1"    # tests/fixtures/sysfs/desktop: QEMU USB HARDDRIVE, serial stick-1
STORAGE = "2-2"  # serial company-0042
ENCLOSURE = "0-301"  # tests/fixtures/sysfs/thunderbolt: OWC Envoy Express waiting at security level user


def policy(version):
    return {"schema_version": 1, "version": version, "name": f"requests v{version}", "group": "default",
            "device_control": {"mode": "enforce"},
            "reporting": {"policy_poll_interval_ms": POLL_MS, "heartbeat_interval_ms": 1000}}


class RequestTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.coll = self.collector()
        self.api = self.coll.api()
        self.sysfs = os.path.join(self.workdir, "sysfs")
        shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "fixtures", "sysfs", "desktop"), self.sysfs,
                        symlinks=True)
        # The socket is for every local account: its folder must be reachable by one.
        self.run_dir = tempfile.mkdtemp(prefix="mamori-run-")
        os.chmod(self.run_dir, 0o755)
        self.addCleanup(shutil.rmtree, self.run_dir, True)
        self.socket = os.path.join(self.run_dir, "mamori", "request.sock")
        status, body = self.api.json("POST", "/api/v1/policies?group=default", policy(1))
        self.assertEqual(status, 200, body)

    def authorized(self, name):
        path = os.path.join(self.sysfs, "devices", "pci0000:00", "0000:00:04.0", "usb2", name, "authorized")
        with open(path) as f:
            return f.read().strip()

    def request(self, *args, user="nobody"):
        """`mamori-agent request ...` as an unprivileged account: (exit code, stdout, stderr)."""
        account = pwd.getpwnam(user)
        done = subprocess.run(["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
                               binary("mamori-agent"), "request", "--socket", self.socket, *args],
                              capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout, done.stderr

    def events(self, agent_id, type_, match=lambda d: True):
        return [e for e in self.api.events(type=type_, agent=agent_id) if match(e["details"])]

    def wait_event(self, agent_id, type_, match, timeout, what):
        return wait_until(lambda: self.events(agent_id, type_, match), timeout, what, interval=0.2)

    def desktop_session(self, user="nobody"):
        """A session bus of `user` under <runtime root>/<uid>/bus, run as that user, with a notification
        service that writes every Notify call as a JSON line: (runtime root, the log's path)."""
        account = pwd.getpwnam(user)
        root = os.path.join(self.run_dir, "user")
        home = os.path.join(root, str(account.pw_uid))
        os.makedirs(home)
        os.chmod(root, 0o755)
        os.chown(home, account.pw_uid, account.pw_gid)
        os.chmod(home, 0o700)
        log = os.path.join(home, "notices.jsonl")
        as_user = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
        bus = os.path.join(home, "bus")
        daemon = subprocess.Popen(as_user + ["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                             f"--address=unix:path={bus}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
        self.addCleanup(lambda: (daemon.kill(), daemon.wait()))
        wait_until(lambda: os.path.exists(bus), 20, "the session bus")
        server = subprocess.Popen(as_user + ["python3", os.path.join(os.path.dirname(__file__), "notification_service.py"),
                                             f"unix:path={bus}", log],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
        self.addCleanup(lambda: (server.kill(), server.wait()))
        wait_until(lambda: os.path.exists(log), 20, "the notification service on the bus")
        return root, log

    def start_agent(self, extra=()):
        agent = self.agent(self.coll)
        agent.start(extra=["--heartbeat-interval", "1", "--sysfs-root", self.sysfs, "--request-socket", self.socket,
                           *extra])
        wait_until(lambda: os.path.exists(os.path.join(agent.state_dir, "identity.json")) and
                   agent.identity().get("node_key"), 30, "enrollment")
        agent_id = agent.identity()["agent_id"]
        blocked = self.wait_event(agent_id, "device.blocked", lambda d: d.get("usb.kernel_name") == STICK, 30,
                                  "the stick blocked")[0]["details"]
        # The block itself tells the person what to run.
        self.assertEqual(blocked["device.request_command"], f"mamori-agent request --device {STICK} --reason \"...\"")
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.source"] == "collector", 30,
                        "the collector's policy applied")
        wait_until(lambda: os.path.exists(self.socket), 30, "the request socket")
        return agent, agent_id

    def sign_in(self, user):
        conn = http.client.HTTPSConnection("127.0.0.1", self.coll.port,
                                           context=ssl.create_default_context(cafile=self.coll.ca_file), timeout=30)
        try:
            conn.request("POST", "/api/v1/session", body=json.dumps({"user": user, "password": PASSWORD}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = json.loads(response.read() or b"{}")
            self.assertEqual(response.status, 200, body)
            return {"Cookie": (response.getheader("Set-Cookie") or "").split(";")[0],
                    "X-CSRF-Token": body["csrf_token"]}
        finally:
            conn.close()

    def test_request_approve_open_expire(self):
        agent, agent_id = self.start_agent()
        self.assertEqual(self.authorized(STICK), "0")

        # An unprivileged user lists what may be asked for, by id and readable name.
        code, out, err = self.request("--list")
        self.assertEqual(code, 0, err)
        self.assertIn(STICK, out)
        self.assertIn("QEMU USB HARDDRIVE", out)
        # Clear refusals with documented exit codes.
        code, _, err = self.request("--device", "9-9", "--reason", "x")
        self.assertEqual(code, 3, err)
        self.assertIn("no blocked device", err)
        code, _, err = self.request("--device", STICK)
        self.assertEqual(code, 2, err)
        code, _, err = self.request("--device", STICK, "--reason", "x", "--minutes", "0")
        self.assertEqual(code, 2, err)

        reason = "取引先へ納品データを渡すため"
        code, out, err = self.request("--device", STICK, "--reason", reason, "--minutes", "1")
        self.assertEqual(code, 0, err)
        self.assertIn("sent", out)
        requested = self.wait_event(agent_id, "device.exception_requested", lambda d: True, 30,
                                    "device.exception_requested")[0]
        self.assertEqual(requested["user"], "nobody")  # from the socket's peer credentials

        status, body = self.api.json("GET", "/api/v1/exception-requests")
        self.assertEqual(status, 200, body)
        (asked,) = [r for r in body["requests"] if r["agent_id"] == agent_id]
        self.assertEqual((asked["state"], asked["user"], asked["device_id"], asked["reason"]),
                         ("pending", "nobody", STICK, reason))
        self.assertIn("QEMU USB HARDDRIVE", asked["device_name"])

        # A viewer reads the requests but cannot answer them.
        subprocess.run([binary("mamori-collector"), "user", "add", "ops", "--role", "viewer", "--db",
                        "sqlite:" + os.path.join(self.coll.state_dir, "collector.db")],
                       input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=True)
        viewer = self.sign_in("ops")
        status, _ = self.api.json("GET", "/api/v1/exception-requests", headers=viewer, token="")
        self.assertEqual(status, 200)
        status, _ = self.api.json("POST", f"/api/v1/exception-requests/{asked['id']}/approve", {"minutes": 1},
                                  headers=viewer, token="")
        self.assertEqual(status, 403)

        # The administrator answers from the command line: the waiting request is listed, then approved.
        code, out, err = self.coll.ctl("requests")
        self.assertEqual(code, 0, err)
        self.assertIn(asked["id"], out)
        self.assertIn("nobody", out)
        code, out, err = self.coll.ctl("requests", "approve", asked["id"], "--minutes", "1", "--note",
                                       "for the delivery")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"approved {asked['id']}", out)
        code, out, err = self.coll.ctl("requests", "refuse", asked["id"], "--note", "too late")
        self.assertEqual(code, 3, out + err)  # answered already
        code, out, err = self.coll.ctl("requests")
        self.assertNotIn(asked["id"], out)  # no longer waiting
        code, out, err = self.coll.ctl("requests", "--all")
        self.assertIn("1 granted", out)
        # At its next poll the agent takes the approval, grants it and opens the stick.
        self.wait_event(agent_id, "device.exception_approved", lambda d: d["request.id"] == asked["id"],
                        POLL_MS / 1000 * 1.1 + 10, "device.exception_approved")
        self.wait_event(agent_id, "device.exception_granted", lambda d: True, 10, "device.exception_granted")
        self.wait_event(agent_id, "device.exception_used", lambda d: d["usb.kernel_name"] == STICK, 10,
                        "device.exception_used")
        self.assertEqual(self.authorized(STICK), "1")
        self.assertEqual(self.authorized(STORAGE), "0")  # only the device asked for

        # The window ends: the stick is blocked again.
        self.wait_event(agent_id, "device.exception_expired", lambda d: True, 90, "device.exception_expired")
        wait_until(lambda: self.authorized(STICK) == "0", 10, "the stick blocked again")
        # The answer came with every poll since; it was acted on once.
        self.assertEqual(len(self.events(agent_id, "device.exception_approved")), 1)

        # The audit trail holds the approval, and the refused viewer attempt.
        status, body = self.api.json("GET", "/api/v1/audit?limit=1000")
        actions = [(r["action"], r["result"], r["actor"]) for r in body["records"]
                   if r["action"] == "exception.request.approve"]
        self.assertEqual(sorted(actions), sorted([("exception.request.approve", "ok", "admin-token"),
                                                  ("exception.request.approve", "refused", "ops")]))
        self.assertEqual(agent.process.stop(), 0)

    def test_a_hostile_device_name_reaches_the_terminal_as_markers(self):
        # The stick chooses its product string; the agent's answer names the device and
        # `mamori-agent request` prints it on the employee's terminal.
        product = os.path.join(self.sysfs, "devices", "pci0000:00", "0000:00:04.0", "usb2", STICK, "product")
        with open(product, "w") as f:
            f.write("Stick\u001b]0;owned\u0007\u001b[2J\u202egpj.exe\n")
        self.start_agent()
        code, out, err = self.request("--device", STICK, "--reason", "x", "--minutes", "1")
        self.assertEqual(code, 0, err)
        self.assertIn("Stick<U+001B>]0;owned<U+0007><U+001B>[2J<U+202E>gpj.exe", out)
        for raw in ("\u001b", "\u0007", "\u202e"):
            self.assertNotIn(raw, out + err)
        # The administrator sees the request with the same markers (the collector takes no control characters).
        status, body = self.api.json("GET", "/api/v1/exception-requests")
        self.assertEqual(status, 200, body)
        self.assertIn("Stick<U+001B>]0;owned<U+0007><U+001B>[2J<U+202E>gpj.exe",
                      [r["device_name"] for r in body["requests"]][0])
        code, out, err = self.request("--list")
        self.assertEqual(code, 0, err)
        self.assertIn("Stick<U+001B>]0;owned<U+0007><U+001B>[2J<U+202E>gpj.exe", out)
        self.assertNotIn("\u001b", out)

    def test_a_request_answered_while_the_agent_was_down_still_opens_the_device(self):
        # A PC restarted after asking (or an agent update): the request, its challenge and then the
        # grant are kept in the state folder, so the approval that arrives afterwards opens the stick.
        agent, agent_id = self.start_agent()
        code, out, err = self.request("--device", STICK, "--reason", "restart", "--minutes", "2")
        self.assertEqual(code, 0, err)
        self.wait_event(agent_id, "device.exception_requested", lambda d: True, 30, "device.exception_requested")
        self.assertEqual(agent.process.stop(), 0)
        with open(os.path.join(agent.state_dir, "exception-requests.json")) as f:
            self.assertIn(STICK, f.read())

        status, body = self.api.json("GET", "/api/v1/exception-requests")
        (asked,) = [r for r in body["requests"] if r["agent_id"] == agent_id]
        code, out, err = self.coll.ctl("requests", "approve", asked["id"], "--minutes", "2")
        self.assertEqual(code, 0, out + err)

        agent.start(extra=["--heartbeat-interval", "1", "--sysfs-root", self.sysfs, "--request-socket", self.socket])
        self.wait_event(agent_id, "device.exception_used", lambda d: d["usb.kernel_name"] == STICK,
                        POLL_MS / 1000 * 1.1 + 30, "the stick opened after the restart")
        self.assertEqual(self.authorized(STICK), "1")
        self.assertEqual(self.authorized(STORAGE), "0")
        self.assertEqual(len(self.events(agent_id, "device.exception_refused")), 0)

        # Rebooted inside the window (the kernel comes up with the stick not authorized): the grant
        # still holds and opens it at start; nothing is granted twice.
        self.assertEqual(agent.process.stop(), 0)
        with open(os.path.join(self.sysfs, "devices", "pci0000:00", "0000:00:04.0", "usb2", STICK,
                               "authorized"), "w") as f:
            f.write("0\n")

        def opened_under_the_grant():
            return [e for e in self.events(agent_id, "device.allowed")
                    if e["details"].get("usb.kernel_name") == STICK and e["details"].get("device.exception_challenge")]
        self.assertEqual(len(opened_under_the_grant()), 1)
        agent.start(extra=["--heartbeat-interval", "1", "--sysfs-root", self.sysfs, "--request-socket", self.socket])
        wait_until(lambda: len(opened_under_the_grant()) == 2, 30, "the stick opened under the grant at start")
        self.assertEqual(self.authorized(STICK), "1")
        self.assertEqual(len(self.events(agent_id, "device.exception_granted")), 1)
        self.assertEqual(len(self.events(agent_id, "device.exception_used")), 1)
        wait_until(lambda: os.path.exists(self.socket), 30, "the request socket (the agent fully started)")
        self.assertEqual(agent.process.stop(), 0)

    def test_refusal_reaches_the_pc(self):
        root, log = self.desktop_session()
        agent, agent_id = self.start_agent(["--user-runtime-root", root])
        # The person at the desktop was told, with the command that asks for the device; each blocked
        # device once, however often the agent decides again.
        def notices():
            with open(log) as f:
                return [json.loads(line) for line in f if line.strip()]
        wait_until(lambda: any(STICK in n["body"] for n in notices()), 30, "the desktop notification")
        shown = [n for n in notices() if f"--device {STICK}" in n["body"]]
        self.assertEqual(len(shown), 1, notices())
        self.assertEqual(shown[0]["summary"], "Device blocked by company policy")
        self.assertEqual(shown[0]["app_name"], "mamori")
        self.assertIn("QEMU USB HARDDRIVE", shown[0]["body"])
        self.assertIn(f"mamori-agent request --device {STICK}", shown[0]["body"])
        code, _, err = self.request("--device", STORAGE, "--reason", "backup")
        self.assertEqual(code, 0, err)
        status, body = self.api.json("GET", "/api/v1/exception-requests")
        (asked,) = [r for r in body["requests"] if r["agent_id"] == agent_id]
        code, out, err = self.coll.ctl("requests", "refuse", asked["id"])
        self.assertEqual(code, 2, out + err)  # a refusal needs a note for the employee
        code, out, err = self.coll.ctl("requests", "refuse", asked["id"], "--note", "use the shared drive")
        self.assertEqual(code, 0, out + err)
        refused = self.wait_event(agent_id, "device.exception_request_refused", lambda d: True,
                                  POLL_MS / 1000 * 1.1 + 10, "device.exception_request_refused")[0]
        self.assertEqual(refused["details"]["request.note"], "use the shared drive")
        self.assertEqual(self.authorized(STORAGE), "0")
        # The root-only control socket does not take requests.
        self.assertEqual(agent.process.stop(), 0)

    def test_thunderbolt_request_opens_the_enclosure(self):
        """The same path for a channel beside USB: a Thunderbolt enclosure blocked (its `authorized`
        stays 0), the person told on the desktop, asked for by its kernel name, approved, authorized."""
        shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "fixtures", "sysfs", "thunderbolt"), self.sysfs,
                        symlinks=True, dirs_exist_ok=True)
        blocking = policy(2)
        blocking["device_control"]["thunderbolt"] = "block"
        status, body = self.api.json("POST", "/api/v1/policies?group=default", blocking)
        self.assertEqual(status, 200, body)
        tunnel = os.path.join(self.sysfs, "bus", "thunderbolt", "devices", ENCLOSURE, "authorized")
        def authorized():
            with open(tunnel) as f:
                return f.read().strip()
        root, log = self.desktop_session()
        agent, agent_id = self.start_agent(["--user-runtime-root", root])
        blocked = self.wait_event(agent_id, "device.blocked", lambda d: d.get("thunderbolt.kernel_name") == ENCLOSURE,
                                  30, "the enclosure blocked")[-1]["details"]
        self.assertEqual(blocked["device.request_command"], f"mamori-agent request --device {ENCLOSURE} --reason \"...\"")
        self.assertEqual(blocked["device.exception_challenge"][9:17], "01e30001")
        wait_until(lambda: authorized() == "0", 10, "the enclosure without its tunnel")
        def notices():
            with open(log) as f:
                return [json.loads(line) for line in f if line.strip()]
        wait_until(lambda: any(f"--device {ENCLOSURE}" in n["body"] for n in notices()), 30, "the desktop notification")
        (shown,) = [n for n in notices() if f"--device {ENCLOSURE}" in n["body"]]
        # Named by its firmware strings, with the fixture's hostile escape sequence defused.
        self.assertTrue(shown["body"].startswith("The Thunderbolt device OWC Envoy Express"), shown["body"])
        self.assertNotIn("\x1b", shown["body"])

        code, out, err = self.request("--list")
        self.assertEqual(code, 0, err)
        self.assertIn(ENCLOSURE, out)
        self.assertIn("OWC Envoy Express", out)
        self.assertNotIn("\x1b", out)
        code, out, err = self.request("--device", ENCLOSURE, "--reason", "backup to the company enclosure")
        self.assertEqual(code, 0, err)
        status, body = self.api.json("GET", "/api/v1/exception-requests")
        (asked,) = [r for r in body["requests"] if r["agent_id"] == agent_id]
        self.assertEqual(asked["device_id"], ENCLOSURE)
        code, out, err = self.coll.ctl("requests", "approve", asked["id"], "--minutes", "5")
        self.assertEqual(code, 0, out + err)
        self.wait_event(agent_id, "device.exception_used", lambda d: d.get("thunderbolt.kernel_name") == ENCLOSURE,
                        POLL_MS / 1000 * 1.1 + 10, "device.exception_used")
        self.assertEqual(authorized(), "1")
        # The request's own events name the enclosure as its channel's events do, not under usb.*.
        for kind in ("device.exception_requested", "device.exception_approved"):
            (event,) = self.wait_event(agent_id, kind, lambda d: True, 10, kind)
            self.assertEqual(event["details"]["device.channel"], "thunderbolt", kind)
            self.assertEqual(event["details"]["thunderbolt.kernel_name"], ENCLOSURE, kind)
            self.assertNotIn("usb.kernel_name", event["details"], kind)
        self.assertEqual(self.authorized(STICK), "0")  # only the device asked for
        self.assertEqual(agent.process.stop(), 0)


if __name__ == "__main__":
    unittest.main()
