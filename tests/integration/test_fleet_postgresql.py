"""Collectors keep no state of their own: two collector processes on one PostgreSQL serve one fleet."""

import unittest

from harness import MamoriTestCase, kill9_mid_upload, postgres_database


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
