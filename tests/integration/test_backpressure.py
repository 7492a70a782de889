"""A saturated collector answers 503 (or 429) with Retry-After; the real agent waits at least that
long before it tries again, delivers every event exactly once afterwards, and lets its connection go
once its spool is drained. The saturation is played by throttling_proxy.ThrottlingProxy in front of a
real collector (the collector's own saturation answers are the connection layer's business; the
agent must behave whoever answers)."""

import email.utils
import time
import unittest

from mamori_testkit import harness
from throttling_proxy import ThrottlingProxy

RETRY_AFTER_S = 3


class BackpressureTest(harness.MamoriTestCase):
    def start_proxy(self, collector, **kwargs):
        proxy = ThrottlingProxy(collector, **kwargs).start()
        self.addCleanup(proxy.stop)
        return proxy

    def assert_waited(self, proxy, path, refused):
        """Each refused request is followed by the next one no sooner than Retry-After."""
        # The proxy logs an answer once it has passed it on, which may be just after the collector
        # stored what the request carried.
        harness.wait_until(lambda: len(proxy.log(path)) > refused, 10,
                           f"the proxy to log a request to {path} after the refusals")
        log = proxy.log(path)
        for before, after in zip(log[:refused], log[1:refused + 1]):
            self.assertIn(before["status"], (429, 503))
            waited = after["t"] - before["t"]
            self.assertGreaterEqual(waited, RETRY_AFTER_S, f"{path}: retried after {waited:.2f} s, "
                                    f"sooner than Retry-After: {RETRY_AFTER_S}")
        self.assertEqual(log[refused]["status"], 200, log)

    def test_agent_honours_retry_after_and_delivers_everything_once(self):
        collector = self.collector()
        proxy = self.start_proxy(collector, throttle={"/api/v1/enroll": 1, "/api/v1/events": 2},
                                 retry_after=str(RETRY_AFTER_S), status=503)
        agent = self.agent(proxy).start(emit=300)
        api = collector.api()
        harness.wait_until(lambda: api.count(type="agent.synthetic") == 300, 90, "all 300 events stored")
        self.assert_waited(proxy, "/api/v1/enroll", 1)
        self.assert_waited(proxy, "/api/v1/events", 2)
        self.assertExactlySynthetic(api, 300)
        # Drained: the agent closes its connection (the proxy never closes one on its own).
        harness.wait_until(proxy.idle, 15, "the agent to close its connection once its spool was drained")
        self.assertEqual(agent.process.stop(), 0)

    def test_429_with_an_http_date(self):
        collector = self.collector()
        # A whole second at least RETRY_AFTER_S away from the moment of the answer.
        proxy = self.start_proxy(collector, throttle={"/api/v1/events": 1}, status=429,
                                 retry_after=lambda: email.utils.formatdate(int(time.time()) + RETRY_AFTER_S + 1,
                                                                            usegmt=True))
        agent = self.agent(proxy).start(emit=20)
        api = collector.api()
        harness.wait_until(lambda: api.count(type="agent.synthetic") == 20, 60, "all 20 events stored")
        self.assert_waited(proxy, "/api/v1/events", 1)
        self.assertExactlySynthetic(api, 20)
        self.assertEqual(agent.process.stop(), 0)


if __name__ == "__main__":
    unittest.main()
