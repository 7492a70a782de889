#!/usr/bin/env python3
"""P2P guard footprint while nothing happens: prints figures, not a test. Needs root.

A pid namespace holding --processes sleeping processes (started by this script) is the guard's scope;
the agent runs with its default capabilities (device control off: this machine has no USB bus). After
a warm-up, the agent's CPU (utime + stime from /proc/PID/stat over --seconds) and memory (VmRSS; from
smaps_rollup: Pss, private pages and anonymous memory, so shared Qt/ICU/Poco pages are counted apart),
and per thread the wake-ups (context switches) and read system calls per second, are read for:

  1. the agent with the P2P guard on (scope: the namespace), deny_exec on (the default);
  2. the same agent with --p2p-guard off (the reference in the same run);
  3. optionally another build with the guard on (--reference-agent, e.g. main before a change).

Anchors printed beside (published budgets, not measured here): Wazuh's agent about 35 MB RSS;
osquery's watchdog default 10% CPU; EDR agents aim below 1% idle. Issue 19's goals: <= 0.5% of a core
averaged, RSS <= 35 MB, private <= 20 MB.
Usage: bench/p2p_idle.py [--processes 300] [--seconds 120] [--reference-agent PATH]
"""

import argparse
import os
import shutil
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness
from mamori_testkit.p2p import SandboxedRun, thread_usage

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Pss", "Private_Clean", "Private_Dirty", "Anonymous"):
                out[key] = int(rest.split()[0])
    out["private"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def thread_rates(before, after, wall):
    """Rows (name, CPU %, wake-ups/s, read syscalls/s) for threads alive at both ends, busiest first."""
    rows = []
    for tid, (name, cpu, switches, syscalls) in after.items():
        if tid not in before:
            continue
        _, cpu0, switches0, syscalls0 = before[tid]
        rows.append((name, 100 * (cpu - cpu0) / wall, (switches - switches0) / wall, (syscalls - syscalls0) / wall))
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def sleeping(sandbox):
    """How many `sleep` processes run in the sandbox's pid namespace."""
    ns = os.readlink(f"/proc/{sandbox.init_pid}/ns/pid")
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() == "sleep" and os.readlink(f"/proc/{entry}/ns/pid") == ns:
                    count += 1
        except OSError:
            continue
    return count


def measure(work, collector, sandbox, label, program, guard, seconds):
    extra = ["--device-control", "off"]
    extra += ["--p2p-scope", f"pidns:{sandbox.init_pid}"] if guard else ["--p2p-guard", "off"]
    agent = harness.Agent(work, collector, name=f"agent-{label}", extra=extra)
    saved = harness.BIN_DIR
    try:
        if program:  # another build of the agent: the rest of the binaries stay the same
            harness.BIN_DIR = os.path.dirname(program)
        agent.start()
    finally:
        harness.BIN_DIR = saved
    try:
        ready = "p2p guard: enforce" if guard else "started: agent"
        harness.wait_until(lambda: ready in agent.process.output() or None, 60, f"{label}: the agent to start")
        time.sleep(10)  # warm-up: enrollment, first rescan, learning; not counted
        pid = agent.process.pid
        start_cpu, start, start_threads = cpu_seconds(pid), time.monotonic(), thread_usage(pid)
        time.sleep(seconds)  # the measurement window itself: the agent is idle by design
        cpu = cpu_seconds(pid) - start_cpu
        wall = time.monotonic() - start
        mem = memory_kb(pid)
        mem["threads"] = thread_rates(start_threads, thread_usage(pid), wall)
        return label, 100 * cpu / wall, mem
    finally:
        agent.process.stop()


def show(result):
    label, cpu, mem = result
    print(f"  {label:<28} CPU {cpu:5.2f}% of a core   RSS {mem['rss'] / 1024:5.1f} MB   "
          f"Pss {mem.get('Pss', 0) / 1024:5.1f} MB   private {mem['private'] / 1024:5.1f} MB "
          f"(anonymous {mem.get('Anonymous', 0) / 1024:4.1f} MB, the rest library pages no other process maps)", flush=True)
    rows = mem["threads"]
    print(f"    {len(rows)} threads; wake-ups/s {sum(r[2] for r in rows):.1f}, "
          f"read syscalls/s {sum(r[3] for r in rows):.1f} (counts: the speed of the machine does not change them); busiest:", flush=True)
    for name, cpu_share, wakeups, syscalls in rows[:6]:
        print(f"      {name:<16} CPU {cpu_share:5.2f}%   wake-ups/s {wakeups:7.1f}   read syscalls/s {syscalls:7.1f}",
              flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--reference-agent", help="another mamori-agent binary measured with the guard on")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/p2p_idle.py: run as root (namespaces, proc connector)")
    with SandboxedRun("p2p-idle") as run:  # stops what it holds at the end
        work, sandbox = run.work, run.sandbox
        sleepers = sandbox.spawn(["sh", "-c", f"for i in $(seq {args.processes}); do sleep infinity & done; wait"])
        harness.wait_until(lambda: sleeping(sandbox) >= args.processes or None, 60,
                           f"{args.processes} sleeping processes in the namespace")
        collector = run.collector = harness.Collector(work).start()
        print(f"Agent idle, {args.processes} sleeping processes in the P2P scope, {args.seconds} s each:", flush=True)
        results = [show(measure(work, collector, sandbox, "guard on", None, True, args.seconds)),
                   show(measure(work, collector, sandbox, "guard off", None, False, args.seconds))]
        if args.reference_agent:
            reference_bin = os.path.join(work, "reference-bin")
            os.makedirs(reference_bin)
            for name in os.listdir(harness.BIN_DIR):
                os.symlink(os.path.join(harness.BIN_DIR, name), os.path.join(reference_bin, name))
            os.remove(os.path.join(reference_bin, "mamori-agent"))
            shutil.copy(args.reference_agent, os.path.join(reference_bin, "mamori-agent"))
            results.append(show(measure(work, collector, sandbox, "reference build, guard on",
                                        os.path.join(reference_bin, "mamori-agent"), True, args.seconds)))
        print(f"  load average at the end {harness.load_average()}")
        print("  anchors (published): Wazuh agent ~35 MB RSS; osquery watchdog 10% CPU; EDR agents < 1% idle; "
              "goals: <= 0.5%, RSS <= 35 MB, private <= 20 MB")
        sleepers.kill()


if __name__ == "__main__":
    main()
