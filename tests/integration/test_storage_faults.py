"""The collector's storage fails (disk full): clear errors, the agent keeps its events, nothing lost."""

import os
import subprocess
import unittest

from mamori_testkit.harness import MamoriTestCase, require_root, wait_until


class DiskFullTest(MamoriTestCase):
    def test_full_disk_on_the_collector_loses_nothing(self):
        require_root(self)
        tiny = os.path.join(self.workdir, "tiny")
        os.makedirs(tiny)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "mamori-test-tiny", tiny], check=True)
        self.addCleanup(lambda: subprocess.run(["umount", "-l", tiny]))

        collector = self.collector(db="sqlite:" + os.path.join(tiny, "collector.db"))
        api = collector.api()
        agent = self.agent(collector)
        n = 20_000
        agent.start(emit=n, extra=["--batch-max-events", "1000"])

        # The disk fills: the collector answers 503 and says why, and keeps answering.
        wait_until(lambda: "503" in agent.process.output() or "disk" in collector.process.output().lower() or None,
                   120, "the collector to report the full disk")
        self.assertTrue(collector.process.running(), "a full disk must not crash the collector")
        self.assertTrue(agent.process.running())
        stored_while_full = api.count(type="agent.synthetic")
        self.assertLess(stored_while_full, n)
        status, _ = api.request("GET", "/healthz", token="")
        self.assertIn(status, (200, 503))

        # More space: the agent's retries deliver the rest, exactly once.
        subprocess.run(["mount", "-o", "remount,size=256m", tiny], check=True)
        wait_until(lambda: api.count(type="agent.synthetic") >= n or None, 240, "delivery after the disk has space")
        self.assertExactlySynthetic(api, n)
        self.assertEqual(agent.process.stop(), 0)


if __name__ == "__main__":
    unittest.main()
