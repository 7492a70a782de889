#!/usr/bin/env python3
"""P2P guard benchmark: prints figures, not a test. Needs root (namespaces, proc connector, kill).

  1. exec-to-kill latency over N launches of a program the built-in signatures know by name (a copy of
     sleep named ctorrent), started in a pid namespace the agent is scoped to: the agent's own figure
     (kernel exec timestamp to SIGKILL sent, p2p.exec_to_kill_us in each event) and the launcher's
     (posix_spawn to waitpid seeing SIGKILL, so fork, exec and reaping included).
  2. exec-deny decision time (deny_exec on, the default): N launches refused by the fanotify exec
     permission guard, the agent's figure (p2p.decision_us: from the kernel's question to the answer)
     and the launcher's (posix_spawn failing with EPERM).
  3. exec overhead: M runs of /bin/true, one after another, in the same pid namespace, with the agent
     watching (kill only, and with the exec permission guard, which every exec on the machine waits
     for) and without any agent (the reference), alternated to even out a shared machine's noise.
     Ratio = with agent / without.

Goals (issue 5): p99 exec-to-kill <= 10 ms; overhead ratio <= 1.05.
Usage: bench/p2p.py [--launches 100] [--runs 10000]   (run after scripts/build.sh, as root)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
import harness  # noqa: E402
from test_p2p import Sandbox  # noqa: E402

# Runs inside the sandbox: times each launch (kill latency) or a whole loop of /bin/true runs.
LAUNCHER = r'''
import os, signal, sys, time
mode, count, program = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if mode == "deny":
    out = []
    for _ in range(count):
        start = time.monotonic_ns()
        try:
            pid = os.posix_spawn(program[0], program, os.environ)
            os.waitpid(pid, 0)
        except PermissionError:
            out.append((time.monotonic_ns() - start) / 1e6)
    print(" ".join(f"{v:.3f}" for v in out))
elif mode == "kill":
    out = []
    for _ in range(count):
        start = time.monotonic_ns()
        pid = os.posix_spawn(program[0], program, os.environ)
        _, status = os.waitpid(pid, 0)
        end = time.monotonic_ns()
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            out.append((end - start) / 1e6)
    print(" ".join(f"{v:.3f}" for v in out))
else:
    start = time.monotonic()
    for _ in range(count):
        pid = os.posix_spawn(program[0], program, os.environ)
        os.waitpid(pid, 0)
    print(f"{time.monotonic() - start:.6f}")
'''


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_in(sandbox, args):
    done = subprocess.run(["nsenter", "-t", str(sandbox.init_pid), "--pid", "--net", "--", *args],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"bench/p2p.py: {' '.join(args[:3])} failed: {done.stderr}")
    return done.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--launches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10000)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/p2p.py: run as root (namespaces, proc connector, kill)")
    work = tempfile.mkdtemp(prefix="mamori-bench-p2p-")
    sandbox = Sandbox(f"mamori-bench-{os.getpid()}")
    collector = agent = None
    try:
        launcher = os.path.join(work, "launcher.py")
        with open(launcher, "w") as f:
            f.write(LAUNCHER)
        client = os.path.join(work, "ctorrent")
        shutil.copy("/bin/sleep", client)

        def true_loop():
            return float(run_in(sandbox, ["python3", launcher, "loop", str(args.runs), "/bin/true"]))

        def start_agent(deny_exec):
            policy = os.path.join(work, f"policy-{deny_exec}.json")
            with open(policy, "w") as f:
                f.write('{"schema_version": 1, "version": 1, "name": "bench", "group": "default", '
                        f'"p2p_guard": {{"mode": "enforce", "deny_exec": {str(deny_exec).lower()}}}}}')
            started = harness.Agent(work, collector, name=f"agent-{deny_exec}",
                                    extra=["--p2p-scope", f"pidns:{sandbox.init_pid}", "--device-control", "off",
                                           "--policy", policy])
            started.start()
            harness.wait_until(lambda: "applied the local file" in started.process.output() or None, 60,
                               "the agent and its policy")
            return started

        def events(kind, n):
            return harness.wait_until(
                lambda: (lambda e: e if len(e) >= n else None)(api.events(type=kind)), 120,
                f"{n} {kind} events at the collector")

        reference = [true_loop()]
        collector = harness.Collector(work).start()
        api = collector.api()
        # Kill only (deny_exec false): every exec is looked at after it happened.
        agent = start_agent(False)
        run_in(sandbox, ["python3", launcher, "kill", "1", client, "30"])  # warms the caches; not counted
        outside = [float(v) for v in run_in(sandbox, ["python3", launcher, "kill", str(args.launches), client,
                                                      "30"]).split()]
        with_kill = true_loop()
        inside = [e["details"]["p2p.exec_to_kill_us"] / 1000 for e in events("p2p.killed", args.launches + 1)
                  if "p2p.exec_to_kill_us" in e["details"]]
        agent.process.stop()
        reference.append(true_loop())
        # deny_exec on: the exec permission guard answers every exec on the machine.
        agent = start_agent(True)
        refused = [float(v) for v in run_in(sandbox, ["python3", launcher, "deny", str(args.launches), client,
                                                      "30"]).split()]
        with_deny = true_loop()
        decisions = [e["details"]["p2p.decision_us"] / 1000 for e in events("p2p.exec_denied", args.launches)]
        agent.process.stop()
        agent = None
        reference.append(true_loop())

        def line(label, values):
            return (f"  {label:<38} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   "
                    f"max {max(values):7.2f} ms   (n={len(values)})")
        print(f"P2P guard, {args.launches} launches of a known client (copy of sleep named ctorrent):")
        print(line("kill: in the agent (exec -> SIGKILL)", inside))
        print(line("kill: launcher (spawn -> reaped)", outside))
        print(line("deny: in the agent (question -> answer)", decisions))
        print(line("deny: launcher (spawn -> EPERM)", refused))
        ref = statistics.mean(reference)
        print(f"exec overhead, {args.runs} runs of /bin/true:")
        print(f"  without agent (reference): {ref:8.3f} s  ({', '.join(f'{r:.3f}' for r in reference)})")
        print(f"  with agent, kill only:     {with_kill:8.3f} s   ratio {with_kill / ref:6.3f}  (goal <= 1.05)")
        print(f"  with agent, deny_exec:     {with_deny:8.3f} s   ratio {with_deny / ref:6.3f}  (goal <= 1.05)")
    finally:
        if agent is not None and agent.process is not None and agent.process.running():
            agent.process.kill9()
        if collector is not None:
            collector.stop()
        sandbox.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
