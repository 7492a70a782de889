"""The agent as a guarded service (issue 9), with real agent and collector processes: the control
socket refuses a stop without the administrator's token and reports agent.tamper; with the token the
agent stops and no process remains; an unclean stop and a changed configuration are reported at the
next start; a killed agent turns silent in `mamorictl agents`; over agent_limits the agent reports
agent.limit_exceeded and exits 3 for systemd to restart it."""

import hashlib
import json
import os
import subprocess
import unittest

from mamori_testkit.harness import MamoriTestCase, binary, wait_until

EXIT_LIMIT_EXCEEDED = 3
EXIT_STOP_REQUESTED = 4


def quiet_capabilities():
    """Flags that keep the agent's enforcing capabilities off this machine's processes and devices."""
    done = subprocess.run([binary("mamori-agent"), "--help"], capture_output=True, text=True, timeout=30)
    flags = ["--device-control", "off"]
    if "--p2p-guard" in done.stdout:
        flags += ["--p2p-guard", "off"]
    return flags


def ctl(*args, env=None):
    done = subprocess.run([binary("mamori-agent"), *args], capture_output=True, text=True, timeout=60, env=env)
    return done.returncode, done.stdout, done.stderr


class ServiceTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.coll = self.collector()
        self.api = self.coll.api()
        self.token = "admin-token-" + os.urandom(8).hex()
        self.token_file = os.path.join(self.workdir, "uninstall.token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        self.hash_file = os.path.join(self.workdir, "uninstall.token.sha256")
        with open(self.hash_file, "w") as f:
            f.write(hashlib.sha256(self.token.encode()).hexdigest() + "  uninstall.token\n")

    def start_agent(self, extra=(), name="agent"):
        agent = self.agent(self.coll, name=name, extra=[*quiet_capabilities(),
                                                        "--token-hash-file", self.hash_file, *extra])
        agent.start()
        wait_until(lambda: os.path.exists(os.path.join(agent.state_dir, "identity.json")), 30, "identity.json")
        agent_id = agent.identity()["agent_id"]
        wait_until(lambda: self.api.count(type="agent.started", agent=agent_id) >= agent.runs, 30, "agent.started")
        return agent, agent_id

    def events(self, agent_id, event_type):
        return self.api.events(type=event_type, agent=agent_id)

    def test_stop_needs_the_token_and_a_refusal_is_reported(self):
        agent, agent_id = self.start_agent()
        state = ["--state-dir", agent.state_dir]
        code, out, _ = ctl("ctl", "status", *state)
        self.assertEqual(code, 0)
        self.assertIn(f"pid {agent.process.pid}", out)
        # The one grammar of every mamori program: --name=value too.
        self.assertEqual(ctl("ctl", "status", f"--state-dir={agent.state_dir}")[:2], (code, out))

        code, _, err = ctl("ctl", "stop", *state, env={k: v for k, v in os.environ.items()
                                                      if k != "MAMORI_UNINSTALL_TOKEN_FILE"})
        self.assertEqual(code, 3, err)
        self.assertIn("no token given", err)
        wrong = os.path.join(self.workdir, "wrong.token")
        with open(wrong, "w") as f:
            f.write("guess\n")
        code, _, err = ctl("ctl", "remove", *state, "--token-file", wrong)
        self.assertEqual(code, 3, err)
        self.assertIn("does not match", err)
        tamper = wait_until(lambda: len(self.events(agent_id, "agent.tamper")) == 2 and
                            self.events(agent_id, "agent.tamper"), 30, "two agent.tamper events")
        actions = sorted(e["details"]["tamper.action"] for e in tamper)
        self.assertEqual(actions, ["package_removal", "stop"])
        self.assertEqual({e["severity"] for e in tamper}, {"critical"})
        self.assertTrue(agent.process.running(), "a refused stop must leave the agent running")

        code, out, err = ctl("ctl", "stop", *state, "--token-file", self.token_file)
        self.assertEqual(code, 0, err)
        self.assertIn("stopped", out)
        self.assertEqual(agent.process.wait(10), EXIT_STOP_REQUESTED)
        self.assertEqual(self.api.count(type="agent.stopped", agent=agent_id), 1)
        # No agent process remains: nothing holds the state directory's lock or answers on the socket.
        code, _, err = ctl("ctl", "status", *state)
        self.assertEqual(code, 1, err)
        self.assertFalse(os.path.exists(os.path.join(agent.state_dir, "running")))

    def test_unclean_stop_is_reported_at_the_next_start(self):
        agent, agent_id = self.start_agent()
        first_pid = agent.process.pid
        agent.process.kill9()
        agent.start()
        event = wait_until(lambda: self.events(agent_id, "agent.unclean_stop"), 30, "agent.unclean_stop")
        self.assertEqual(len(event), 1)
        self.assertEqual(event[0]["details"]["previous.pid"], first_pid)
        # A clean stop (SIGTERM) is not reported at the following start.
        self.assertEqual(agent.process.stop(), 0)
        agent.start()
        wait_until(lambda: self.api.count(type="agent.started", agent=agent_id) == 3, 30, "third agent.started")
        self.assertEqual(self.api.count(type="agent.unclean_stop", agent=agent_id), 1)

    def test_changed_configuration_is_reported(self):
        config = os.path.join(self.workdir, "agent.conf")
        with open(config, "w") as f:
            f.write("# written by the test\nlog-level = info\n")
        agent, agent_id = self.start_agent(extra=["--config", config])
        self.assertEqual(agent.process.stop(), 0)
        with open(config, "a") as f:
            f.write("heartbeat-interval = 30\n")
        agent.start()
        modified = wait_until(lambda: self.events(agent_id, "agent.modified"), 30, "agent.modified")
        self.assertEqual([e["details"]["file.role"] for e in modified], ["config"])
        self.assertEqual(modified[0]["details"]["file.path"], config)
        with open(config, "rb") as f:
            self.assertEqual(modified[0]["details"]["file.sha256"], hashlib.sha256(f.read()).hexdigest())

    def test_bad_config_file_names_the_line(self):
        config = os.path.join(self.workdir, "agent.conf")
        with open(config, "w") as f:
            f.write("collector = https://x\nthis line is wrong\n")
        done = subprocess.run([binary("mamori-agent"), "--config", config], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(done.returncode, 2)
        self.assertIn(config + ":2", done.stderr)

    def test_killed_agent_turns_silent(self):
        agent, agent_id = self.start_agent(extra=["--heartbeat-interval", "0.3"])

        def row():
            code, out, err = self.coll.ctl("agents", "--json", check=0)
            rows = [json.loads(line) for line in out.splitlines() if line.strip()]
            return next((r for r in rows if r["agent_id"] == agent_id), None)

        wait_until(lambda: (row() or {}).get("silent") is False, 30, "the agent listed as not silent")
        agent.process.kill9()
        wait_until(lambda: (row() or {}).get("silent") is True, 30, "the agent listed as silent")
        _, table, _ = self.coll.ctl("agents", check=0)
        line = next(line for line in table.splitlines() if line.startswith(agent_id))
        self.assertIn(" yes ", line)

    def test_over_the_cpu_limit_the_agent_reports_and_exits_for_a_restart(self):
        policy = os.path.join(self.workdir, "limits.json")
        with open(policy, "w") as f:
            json.dump({"schema_version": 1, "version": 1, "name": "tight limits",
                       "agent_limits": {"cpu_percent": 1, "memory_mib": 65536}}, f)
        # Busy: spooling synthetic events keeps the agent well above 1 % of a core.
        agent = self.agent(self.coll, extra=[*quiet_capabilities(), "--token-hash-file", self.hash_file,
                                             "--policy", policy, "--limit-window", "0.2"])
        agent.start(emit=300000)
        self.assertEqual(agent.process.wait(60), EXIT_LIMIT_EXCEEDED)
        self.assertIn("self-limits: over the cpu limit", agent.process.output())
        # What systemd's Restart=always does; the event may still be in the spool.
        agent.start(extra=["--limit-window", "600"])
        agent_id = agent.identity()["agent_id"]
        event = wait_until(lambda: self.events(agent_id, "agent.limit_exceeded"), 60, "agent.limit_exceeded")
        details = event[0]["details"]
        self.assertEqual(details["limit.resource"], "cpu")
        self.assertEqual(details["limit.value"], 1)
        self.assertGreater(details["limit.measured"], 1)
        self.assertTrue(details["agent.component"], "the event names the busiest thread")
        self.assertEqual(self.api.count(type="agent.unclean_stop", agent=agent_id), 0)


if __name__ == "__main__":
    unittest.main()
