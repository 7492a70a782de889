#!/usr/bin/env python3
"""Activity monitoring overhead: prints figures, asserts nothing.

A file-heavy workload on a watched tree, timed without and with a running agent (real collector over
TLS on loopback; the agent's policy watches the tree, scans written files on change and applies the
bulk rule to it):
  extract a tar of N small files into the watched tree, read every file back (cat), delete the tree.
Runs alternate (without, with, without, ...) and the medians are compared. The figure is the ratio
with/without; goal (issue 8): <= 1.10. Also printed: events the watcher lost (activity.events_lost)
and how many on-change content.match events arrived.

Usage: bench/activity.py [--files N] [--repeat R]   (run as root after scripts/build.sh; fanotify
needs CAP_SYS_ADMIN)
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness  # (collector and agent processes, waits with deadlines)


def make_tar(path, files):
    """N files of 100-400 bytes in 100 folders; some hold a company marking, like a real home."""
    with tarfile.open(path, "w") as tar:
        for i in range(files):
            text = (f"line {i} of the quarterly notes\n" * (1 + i % 10)).encode()
            if i % 1000 == 0:
                text += "社外秘\n".encode()
            info = tarfile.TarInfo(f"tree/d{i % 100:02d}/f{i:06d}.txt")
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))


def workload(tar_path, target):
    started = time.monotonic()
    subprocess.run(["tar", "-xf", tar_path, "-C", target], check=True)
    # cat reads every file (tar -cf /dev/null would not: GNU tar skips reading for /dev/null).
    subprocess.run(f"find '{target}/tree' -type f -print0 | xargs -0 cat > /dev/null", shell=True, check=True)
    elapsed = time.monotonic() - started
    shutil.rmtree(os.path.join(target, "tree"))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/activity.py: run as root (fanotify needs CAP_SYS_ADMIN)")

    work = tempfile.mkdtemp(prefix="mamori-bench-activity-")
    try:
        home = os.path.join(work, "home")
        os.makedirs(home)
        tar_path = os.path.join(work, "tree.tar")
        make_tar(tar_path, args.files)
        policy = {
            "schema_version": 1, "version": 1, "name": "bench-activity",
            "device_control": {"mode": "off"}, "p2p_guard": {"mode": "off"},
            # The agent's own CPU limit (agent_limits, default 25 % of a core) would restart it in the
            # middle of a 100,000-file burst; the bench measures the monitoring, not the self-limit.
            "agent_limits": {"cpu_percent": 100},
            "content_scan": {"paths": [home], "schedule": {"interval_hours": 8000, "on_change": True},
                             "rule_sets": [{"name": "company", "source":
                                            'rule marking { strings: $a = "社外秘" condition: $a }'}]},
            "activity": {"watched": [home], "cloud_sync_folders": [os.path.join(home, "Dropbox")],
                         "removable_mounts": [os.path.join(work, "usb")],
                         "printing": {"enabled": False}},
        }
        policy_path = os.path.join(work, "policy.json")
        with open(policy_path, "w") as f:
            json.dump(policy, f)

        collector = harness.Collector(work).start()
        agent = harness.Agent(work, collector)
        usage = subprocess.run([harness.binary("mamori-agent"), "--help"], capture_output=True, text=True).stdout
        extra = ["--device-control", "off", "--policy", policy_path]
        if "--p2p-guard" in usage:
            extra += ["--p2p-guard", "off"]

        without, with_agent = [], []
        for _ in range(args.repeat):
            without.append(workload(tar_path, home))
            agent.start(extra=extra)
            harness.wait_until(lambda: "activity: watching" in agent.process.output(), 60, "the agent's watcher")
            with_agent.append(workload(tar_path, home))
            agent.process.stop()
        api = collector.api()
        lost = api.events(type="activity.events_lost")
        dropped = sum(e["details"]["activity.dropped"] for e in lost)
        overflows = sum(e["details"]["activity.overflows"] for e in lost)
        matches = len(api.events(type="content.match"))
        collector.stop()

        base, watched = statistics.median(without), statistics.median(with_agent)
        print(f"workload: extract {args.files} files, read them back, delete; medians of {args.repeat} runs")
        print(f"without agent: {base:.2f} s   runs {', '.join(f'{t:.2f}' for t in without)}")
        print(f"with agent:    {watched:.2f} s   runs {', '.join(f'{t:.2f}' for t in with_agent)}")
        print(f"ratio: {watched / base:.3f} (goal <= 1.10)")
        print(f"on-change content.match events: {matches} (expected {args.repeat * ((args.files + 999) // 1000)})")
        print(f"events lost by the watcher: dropped {dropped}, kernel overflows {overflows}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
