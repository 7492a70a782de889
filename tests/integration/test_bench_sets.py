"""Smoke test of the content sets benchmark (bench/sets.py, issue 18) so that it cannot rot: both trees
(lists and mixed) at a small size, both sets registered through a real collector, one round of every
mode (a few seconds). It checks that the bench runs end to end and that the files it reports matched
are the ones it planted; the figures themselves belong to bench/sets.py, not to a test."""

import os
import re
import subprocess
import sys
import unittest

from mamori_testkit import harness


class BenchSetsTest(harness.MamoriTestCase):
    def test_both_trees_small(self):
        harness.binary("mamori-agent")  # a clear message when MAMORI_BIN_DIR is not set
        done = subprocess.run([sys.executable, os.path.join(harness.REPO, "bench", "sets.py"), "--rows", "500",
                               "--documents", "40", "--files", "40", "--repeat", "1", "--tree", "lists,mixed",
                               "--keep", self.workdir],
                              capture_output=True, text=True, timeout=600, env=dict(os.environ))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        out = done.stdout
        self.assertIn("lists tree: 80 files", out)
        self.assertIn("mixed tree: 80 files", out)
        for tree in ("lists", "mixed"):
            for mode in ("no set", "edm", "fingerprints", "edm+fingerprints"):
                self.assertRegex(out, rf"\[this build\] {tree} tree, {re.escape(mode)}: scanning ")
            # Both sets: every planted customer list found and nothing else matched (EDM is exact); the
            # fingerprint side matches no unplanted file (its recall on 1,500 characters of 5,000 is
            # the set's business, and varies with each run's fleet key).
            line = re.search(rf"\[this build\] {tree} tree, edm\+fingerprints: .*", out).group(0)
            edm = re.search(r"(\d+) edm \((\d+) of (\d+) planted, (\d+) other\)", line)
            self.assertIsNotNone(edm, line)
            self.assertEqual(edm.group(2), edm.group(3), line)
            self.assertEqual(edm.group(4), "0", line)
            self.assertRegex(line, r"\d+ fingerprints \(\d+ of \d+ planted, 0 other\)")


if __name__ == "__main__":
    unittest.main()
