"""scripts/check-deps.py over small trees made here: folder rules, file rules that allow more than
their folder (the composition root's concrete drivers), the allow-list, and the errors that keep the
rules honest (a file under no rule, a file rule that matches nothing or two rules for one file)."""

import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

CHECKER = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "check-deps.py"

RULES = """\
    common/:            # the bottom
    drivers/include/:   common/
    drivers/linux/:     common/ drivers/include/
    agent/:             common/ drivers/include/ agent/
    agent/app/LinuxDrivers.*:  common/ drivers/include/ drivers/linux/ agent/   # the composition root
    agent/app/Scan.cpp: common/ drivers/linux/Sandbox.h
    tests/:             *
"""


class CheckDepsTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self._dir.name)
        subprocess.run(["git", "init", "-q", str(self.root)], check=True)
        self.write_rules(RULES)
        self.write("common/Result.h", "")
        self.write("drivers/include/UsbBus.h", '#include "common/Result.h"\n')
        self.write("drivers/linux/LinuxUsbBus.h", '#include "drivers/include/UsbBus.h"\n')
        self.write("drivers/linux/Sandbox.h", "")
        self.write("agent/app/Agent.cpp", '#include "drivers/include/UsbBus.h"\n#include "agent/app/Agent.h"\n')
        self.write("agent/app/Agent.h", "")
        self.write("agent/app/LinuxDrivers.h", '#include "agent/app/Agent.h"\n')
        self.write("agent/app/LinuxDrivers.cpp", '#include "agent/app/LinuxDrivers.h"\n'
                   '#include "drivers/linux/LinuxUsbBus.h"\n')
        self.write("agent/app/Scan.cpp", '#include "drivers/linux/Sandbox.h"\n')
        self.write("tests/AnyTest.cpp", '#include "drivers/linux/LinuxUsbBus.h"\n')

    def tearDown(self):
        self._dir.cleanup()

    def write(self, path, text):
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        subprocess.run(["git", "-C", str(self.root), "add", path], check=True)

    def write_rules(self, rules):
        self.write("docs/ARCHITECTURE.md", "# rules\n\n<!-- dependency rules -->\n```text\n"
                   + textwrap.dedent(rules) + "```\n")

    def check(self):
        run = subprocess.run([sys.executable, str(CHECKER), "--root", str(self.root)],
                             capture_output=True, text=True, timeout=60)
        return run.returncode, run.stdout + run.stderr

    def test_a_tree_that_keeps_the_rules_is_clean(self):
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("check-deps: clean", out)

    def test_only_the_composition_root_may_include_a_concrete_driver(self):
        self.write("agent/app/Agent.cpp", '#include "drivers/linux/LinuxUsbBus.h"\n')
        self.write("agent/app/main.cpp", '#include "drivers/linux/Sandbox.h"\n')
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("agent/app/Agent.cpp:1: includes drivers/linux/LinuxUsbBus.h, but agent/ may include only", out)
        self.assertIn("agent/app/main.cpp:1: includes drivers/linux/Sandbox.h", out)
        self.assertNotIn("LinuxDrivers", out)  # its .h and .cpp are covered by the glob

    def test_a_file_rule_allows_only_what_it_names(self):
        self.write("agent/app/Scan.cpp", '#include "drivers/linux/Sandbox.h"\n#include "drivers/linux/LinuxUsbBus.h"\n')
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("agent/app/Scan.cpp:2: includes drivers/linux/LinuxUsbBus.h, but agent/app/Scan.cpp may include "
                      "only agent/app/ common/ drivers/linux/Sandbox.h", out)

    def test_a_file_rule_that_matches_no_file_is_an_error(self):
        self.write_rules(RULES + "    agent/app/Gone.cpp: drivers/linux/\n")
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("the rule for agent/app/Gone.cpp matches no source file", out)

    def test_two_file_rules_for_one_file_are_an_error(self):
        self.write_rules(RULES + "    agent/app/Linux*.cpp: drivers/linux/\n")
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("agent/app/LinuxDrivers.cpp: 2 file rules match it", out)

    def test_a_file_under_no_rule_is_an_error(self):
        self.write("inspect/Tool.cpp", "")
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("inspect/Tool.cpp: no dependency rule covers this folder", out)

    def test_the_allow_list_excuses_a_listed_include_and_only_shrinks(self):
        self.write("agent/app/Agent.cpp", '#include "drivers/linux/LinuxUsbBus.h"\n')
        self.write("scripts/deps-allowlist.txt", "agent/app/Agent.cpp drivers/linux/LinuxUsbBus.h  # issue 21\n")
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("1 allow-listed include(s) left", out)
        self.write("agent/app/Agent.cpp", '#include "drivers/include/UsbBus.h"\n')
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("scripts/deps-allowlist.txt:1: agent/app/Agent.cpp no longer includes", out)

    def test_unreadable_rules_exit_2(self):
        self.write("docs/ARCHITECTURE.md", "# no rules here\n")
        code, out = self.check()
        self.assertEqual(code, 2, out)
        self.assertIn("no '<!-- dependency rules -->' line", out)


if __name__ == "__main__":
    unittest.main()
