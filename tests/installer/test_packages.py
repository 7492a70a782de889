"""The Debian packages (installer/, issue 9), built with cpack from this build tree and installed into a
throwaway root with `dpkg --root --force-script-chrootless` (the maintainer scripts honour DPKG_ROOT,
so nothing outside the root is touched; the libraries the packages depend on are not in that root,
hence --force-depends). Checked: files, modes and maintainer scripts; `systemd-analyze verify` and
the offline `systemd-analyze security` score of both units; removal refused without the
administrator's token (agent.tamper reaches a real collector) and done with it (no agent process
left); purge removes the state. lintian's findings are printed for the record."""

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import MamoriTestCase, wait_until  # noqa: E402

BUILD_DIR = os.environ.get("MAMORI_BUILD_DIR", "")
VERSION = os.environ.get("MAMORI_VERSION", "")
# Exposure scores measured when the units were written (docs/install.md); a change that weakens
# the hardening fails here.
MAX_EXPOSURE = {"mamori-agent.service": 4.5, "mamori-collector.service": 2.0}
_packages = {}


def run(*args, check=True, env=None):
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=300, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def packages():
    """Builds the .debs once per test run."""
    if not _packages:
        if not BUILD_DIR:
            raise AssertionError("MAMORI_BUILD_DIR is not set (ctest sets it)")
        out = tempfile.mkdtemp(prefix="mamori-debs-")
        atexit.register(shutil.rmtree, out, True)
        run("cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", out)
        for name in ("mamori-agent", "mamori-collector"):
            path = os.path.join(out, f"{name}_{VERSION}_amd64.deb")
            if not os.path.exists(path):
                raise AssertionError(f"cpack did not make {path}: {os.listdir(out)}")
            _packages[name] = path
    return _packages


def contents(deb):
    """path -> (mode string, owner) from dpkg-deb -c."""
    out = {}
    for line in run("dpkg-deb", "-c", deb).stdout.splitlines():
        fields = line.split()
        out[fields[5].lstrip(".")] = (fields[0], fields[1])
    return out


def field(deb, name):
    return run("dpkg-deb", "-f", deb, name).stdout.strip()


class Root:
    """An empty dpkg database under a temporary folder."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "root")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"):
            os.makedirs(os.path.join(self.path, d), exist_ok=True)
        open(os.path.join(self.path, "var/lib/dpkg/status"), "w").close()
        # systemd-analyze verify resolves the units' dependencies (multi-user.target, ...) in the root.
        units = os.path.join(self.path, "lib/systemd/system")
        os.makedirs(units, exist_ok=True)
        for name in os.listdir("/lib/systemd/system"):
            if name.endswith((".target", ".slice", ".socket")):
                shutil.copy(os.path.join("/lib/systemd/system", name), units)

    def dpkg(self, *args, env=None, check=True):
        full = dict(os.environ if env is None else env)
        return run("dpkg", f"--root={self.path}", "--force-script-chrootless", "--force-depends",
                   "--log=/dev/null", *args, env=full, check=check)

    def file(self, relative):
        return os.path.join(self.path, relative.lstrip("/"))

    def status(self, package):
        done = run("dpkg-query", f"--admindir={self.file('var/lib/dpkg')}", "-W", "-f=${db:Status-Abbrev}",
                   package, check=False)
        return done.stdout.strip()


class PackagesTest(MamoriTestCase):
    def test_agent_package_files_permissions_and_scripts(self):
        deb = packages()["mamori-agent"]
        self.assertEqual(field(deb, "Package"), "mamori-agent")
        depends = field(deb, "Depends")
        for lib in ("libqt6core6", "libqt6network6", "libpoconetssl80", "libyara9", "libc6"):
            self.assertIn(lib, depends, "dpkg-shlibdeps computes the library dependencies")
        files = contents(deb)
        self.assertEqual(files["/usr/bin/mamori-agent"], ("-rwxr-xr-x", "root/root"))
        self.assertEqual(files["/lib/systemd/system/mamori-agent.service"], ("-rw-r--r--", "root/root"))
        self.assertEqual(files["/etc/mamori/agent.conf"], ("-rw-r--r--", "root/root"))
        self.assertIn("/usr/share/doc/mamori-agent/copyright", files)
        info = tempfile.mkdtemp(dir=self.workdir)
        run("dpkg-deb", "-e", deb, info)
        with open(os.path.join(info, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/mamori/agent.conf"])
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(info, script)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o755, script)
            run("sh", "-n", path)  # syntax
            with open(path) as f:
                self.assertIn("DPKG_ROOT", f.read(), f"{script} must honour DPKG_ROOT")
        # The binary is stripped (the package is small) and runs.
        self.assertLess(int(field(deb, "Installed-Size")), 20000)

    def test_collector_package_files(self):
        deb = packages()["mamori-collector"]
        self.assertIn("adduser", field(deb, "Depends"))
        files = contents(deb)
        for path in ("/usr/bin/mamori-collector", "/usr/bin/mamorictl"):
            self.assertEqual(files[path], ("-rwxr-xr-x", "root/root"))
        self.assertIn("/lib/systemd/system/mamori-collector.service", files)

    def test_install_verify_units_and_score_them(self):
        root = Root(self.workdir)
        root.dpkg("-i", packages()["mamori-agent"])
        root.dpkg("-i", packages()["mamori-collector"])
        self.assertEqual(root.status("mamori-agent"), "ii")
        state = os.stat(root.file("/var/lib/mamori"))
        self.assertEqual(state.st_mode & 0o777, 0o700)
        self.assertEqual((state.st_uid, state.st_gid), (0, 0))
        self.assertTrue(os.path.islink(root.file("/etc/systemd/system/multi-user.target.wants/mamori-agent.service")),
                        "postinst enables the unit")
        for unit in ("mamori-agent.service", "mamori-collector.service"):
            done = run("systemd-analyze", "verify", "--man=no", f"--root={root.path}", f"/lib/systemd/system/{unit}",
                       check=False)
            self.assertEqual((done.returncode, done.stderr.strip()), (0, ""), f"systemd-analyze verify {unit}")
            done = run("systemd-analyze", "security", "--offline=yes", f"--root={root.path}", unit, check=False)
            score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
            self.assertIsNotNone(score, done.stdout + done.stderr)
            print(f"\n{unit}: exposure {score.group(1)} (systemd-analyze security --offline=yes)")
            self.assertLessEqual(float(score.group(1)), MAX_EXPOSURE[unit], unit)
        # The installed agent runs from the root.
        self.assertEqual(run(root.file("/usr/bin/mamori-agent"), "--help").returncode, 0)

    def test_removal_needs_the_token_and_leaves_no_process(self):
        root = Root(self.workdir)
        root.dpkg("-i", packages()["mamori-agent"])
        token = "rollout-token-" + os.urandom(8).hex()
        token_file = os.path.join(self.workdir, "uninstall.token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        hash_file = root.file("/etc/mamori/uninstall.token.sha256")
        with open(hash_file, "w") as f:
            f.write(hashlib.sha256(token.encode()).hexdigest() + "  uninstall.token\n")

        coll = self.collector()
        api = coll.api()
        agent = self.agent(coll, extra=["--device-control", "off", "--token-hash-file", hash_file])
        agent.state_dir = root.file("/var/lib/mamori")
        help_text = run(root.file("/usr/bin/mamori-agent"), "--help").stdout
        if "--p2p-guard" in help_text:
            agent.extra += ["--p2p-guard", "off"]
        agent.start()
        wait_until(lambda: os.path.exists(os.path.join(agent.state_dir, "identity.json")), 30, "identity.json")
        agent_id = agent.identity()["agent_id"]
        wait_until(lambda: api.count(type="agent.started", agent=agent_id) == 1, 30, "agent.started")

        env = {k: v for k, v in os.environ.items() if k != "MAMORI_UNINSTALL_TOKEN_FILE"}
        refused = root.dpkg("-r", "mamori-agent", env=env, check=False)
        self.assertNotEqual(refused.returncode, 0, "removal without the token must fail")
        self.assertIn("removal refused", refused.stderr)
        self.assertEqual(root.status("mamori-agent")[1], "i", "still installed (dpkg keeps the wish to remove)")
        self.assertTrue(os.path.exists(root.file("/usr/bin/mamori-agent")))
        self.assertTrue(agent.process.running())
        tamper = wait_until(lambda: api.events(type="agent.tamper", agent=agent_id), 30, "agent.tamper")
        self.assertEqual(tamper[0]["details"]["tamper.action"], "package_removal")

        env["MAMORI_UNINSTALL_TOKEN_FILE"] = token_file
        root.dpkg("-r", "mamori-agent", env=env)
        self.assertEqual(agent.process.wait(10), 4, "the agent stops for the removal (exit 4: stays stopped)")
        self.assertEqual(root.status("mamori-agent"), "rc")
        self.assertFalse(os.path.exists(root.file("/usr/bin/mamori-agent")))
        self.assertEqual(api.count(type="agent.stopped", agent=agent_id), 1)
        self.assertTrue(os.path.exists(root.file("/etc/mamori/agent.conf")), "remove keeps the conffile")
        root.dpkg("--purge", "mamori-agent", env=env)
        self.assertFalse(os.path.exists(root.file("/var/lib/mamori")), "purge removes the state")
        self.assertFalse(os.path.exists(root.file("/etc/mamori")))

    def test_removal_without_a_running_agent_checks_the_token_itself(self):
        root = Root(self.workdir)
        root.dpkg("-i", packages()["mamori-agent"])
        with open(root.file("/etc/mamori/uninstall.token.sha256"), "w") as f:
            f.write(hashlib.sha256(b"right").hexdigest() + "\n")
        wrong = os.path.join(self.workdir, "wrong")
        with open(wrong, "w") as f:
            f.write("wrong\n")
        env = dict(os.environ, MAMORI_UNINSTALL_TOKEN_FILE=wrong)
        self.assertNotEqual(root.dpkg("-r", "mamori-agent", env=env, check=False).returncode, 0)
        with open(wrong, "w") as f:
            f.write("  right \n")
        root.dpkg("-r", "mamori-agent", env=env)
        self.assertEqual(root.status("mamori-agent"), "rc")

    def test_lintian_findings_are_listed(self):
        if shutil.which("lintian") is None:
            raise AssertionError("lintian is missing: scripts/bootstrap.sh --test installs it")
        debs = packages()
        done = run("lintian", "--tag-display-limit", "0", debs["mamori-agent"], debs["mamori-collector"],
                   check=False)
        findings = [line for line in done.stdout.splitlines() if re.match(r"^[EWIP]: ", line)]
        print("\nlintian findings:\n" + "\n".join(findings))
        errors = [line for line in findings if line.startswith("E: ")]
        self.assertEqual(errors, [], "lintian errors")


if __name__ == "__main__":
    unittest.main()
