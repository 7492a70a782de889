"""Collectors keep no state of their own: two collector processes on one PostgreSQL serve one fleet."""

import json
import os
import unittest

from mamori_testkit.harness import MamoriTestCase, kill9_mid_upload, postgres_database, wait_until


class TwoCollectorsOnePostgresTest(MamoriTestCase):
    def test_agents_split_between_two_collectors_every_event_visible_from_either(self):
        db = postgres_database(self, "fleet")
        first = self.collector(name="collector-a", db=db)
        # The second collector shares the database, the enroll secret, the admin token, the policy signing
        # key and the certificate (as a load-balanced pool would), but has its own process and port.
        second = self.collector(name="collector-b", db=db, extra=[
            "--enroll-secret-file", first.enroll_secret_file,
            "--policy-key-file", first.policy_key_file,
            "--admin-token-file", first.state_dir + "/admin.token",
            "--cert", first.ca_file, "--key", first.state_dir + "/tls/collector.key"])
        per_agent = 5000
        agents = []
        for i in range(4):
            target = first if i % 2 == 0 else second
            agent = self.agent(target, name=f"agent-{i}")
            agent.start(emit=per_agent, exit_when_drained=True)
            agents.append(agent)
        for agent in agents:
            self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())

        for collector in (first, second):
            api = collector.api()
            self.assertEqual(len(api.agents()), 4)
            for agent in agents:
                self.assertExactlySynthetic(api, per_agent, agent_id=agent.identity()["agent_id"])
            self.assertEqual(api.count(type="agent.synthetic"), 4 * per_agent)


class PolicyOnPostgresTest(MamoriTestCase):
    def test_a_policy_pushed_through_one_collector_is_served_signed_by_the_other(self):
        db = postgres_database(self, "policy")
        first = self.collector(name="collector-a", db=db)
        second = self.collector(name="collector-b", db=db, extra=[
            "--enroll-secret-file", first.enroll_secret_file,
            "--admin-token-file", first.admin_token_file,
            "--policy-key-file", first.policy_key_file,
            "--cert", first.ca_file, "--key", first.state_dir + "/tls/collector.key"])
        path = os.path.join(self.workdir, "lab.json")
        with open(path, "w") as f:
            json.dump({"schema_version": 1, "version": 4, "name": "lab", "group": "lab",
                       "reporting": {"policy_poll_interval_ms": 5000}}, f)
        second.ctl("policy", "push", path, "--group", "lab", check=0)
        self.assertEqual(second.ctl("policy", "push", path, "--group", "lab")[0], 1)  # same version again
        agent = self.agent(first)
        agent.start(extra=["--group", "lab", "--heartbeat-interval", "1"])
        api = first.api()
        wait_until(lambda: agent.identity().get("node_key") if os.path.exists(agent.state_dir + "/identity.json")
                   else None, 30, "enrollment")
        agent_id = agent.identity()["agent_id"]
        wait_until(lambda: [a for a in second.api().agents() if a["agent_id"] == agent_id and
                            a["policy"]["version"] == 4 and a["policy"]["source"] == "collector"], 30,
                   "the agent reports version 4 (seen through the other collector)")
        self.assertEqual(api.count(type="policy.rejected", agent=agent_id), 0)
        self.assertEqual(agent.process.stop(), 0)


class DeliveryOnPostgresTest(MamoriTestCase):
    def test_kill9_of_the_agent_exactly_once_on_postgresql(self):
        n = 30_000
        collector = self.collector(db=postgres_database(self, "delivery"))
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=n)
        kill9_mid_upload(agent, api, n)
        agent.start(exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        self.assertExactlySynthetic(api, n)


if __name__ == "__main__":
    unittest.main()
