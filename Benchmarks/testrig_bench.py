#!/usr/bin/env python3
"""atelier test scaling: 1, 2, 4, 8 Blue Pill slots on the virtual rig at --time-scale 1 (real ST-Link and flash
timings), all slots at once against the same slots one after another (one `atelier test --slots S` each).
Every run starts from blank chips (a fresh --state), so both ways flash the same image the same number of times.
Writes a markdown section; the goal (issue 10) is 8 slots at least 6x faster than one after another."""
import argparse, os, re, resource, shutil, statistics, subprocess, sys, tempfile, time


def rig_file(count):
    lines = ["slots:"]
    for i in range(count):
        lines += [f"  - name: s{i}", "    board: bluepill", f"    probe: {serial(i)}"]
    return "\n".join(lines) + "\n"


def serial(i):
    return f"{i:02X}" * 12


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_under_rig(args, project, count, script, env):
    """Runs `script` under one rig holding `count` blank boards; returns its stdout and the CPU seconds the rig
    and everything under it used."""
    state = tempfile.mkdtemp(prefix="state-", dir=os.path.dirname(project))
    devices = sum((["--device", f"stlink:bluepill:serial={serial(i)}"] for i in range(count)), [])
    cpu = children_cpu()
    out = subprocess.run([args.rig, "exec", "--time-scale", "1", "--state", state, "--console", "/dev/null"]
                         + devices + ["--", "/bin/sh", "-c", script], cwd=project, env=env, capture_output=True,
                         text=True)
    cpu = children_cpu() - cpu
    shutil.rmtree(state, ignore_errors=True)
    if out.returncode != 0:
        sys.exit(f"failed: {script}\n{out.stdout}\n{out.stderr}")
    return out.stdout, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--slots", default="1,2,4,8")
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the medians are reported")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    args.atelier, args.rig = os.path.abspath(args.atelier), os.path.abspath(args.rig)
    folder = tempfile.mkdtemp(prefix="atelier-testrig-bench-")
    project = os.path.join(folder, "p")
    subprocess.run([args.atelier, "new", project, "--board", "bluepill", "--template", "unit-test"], check=True,
                   capture_output=True)
    subprocess.run([args.atelier, "build"], cwd=project, check=True, capture_output=True)
    elf = os.path.join(project, ".atelier/build/bluepill/debug/firmware.elf")
    env = dict(os.environ, ATELIER=args.atelier, ATELIER_LOCK_DIR=os.path.join(folder, "locks"))
    load = os.getloadavg()[0]
    rows = []
    for count in [int(n) for n in args.slots.split(",")]:
        with open(os.path.join(project, "rig.yaml"), "w") as handle:
            handle.write(rig_file(count))
        test = f'"$ATELIER" test --timeout 300 --image bluepill={elf}'
        parallel, sequential, parallel_cpu, sequential_cpu = [], [], [], []
        for _ in range(args.runs):
            # Time inside the rig, as atelier reports it: the rig's own start-up is not atelier's.
            out, cpu = run_under_rig(args, project, count, test, env)
            parallel.append(float(re.search(r"slots passed in ([0-9.]+) s", out).group(1)))
            parallel_cpu.append(cpu)
            script = "; ".join(f"{test} --slots s{i}" for i in range(count))
            out, cpu = run_under_rig(args, project, count, script, env)
            sequential.append(sum(float(t) for t in re.findall(r"slots passed in ([0-9.]+) s", out)))
            sequential_cpu.append(cpu)
        row = (count, statistics.median(sequential), statistics.median(parallel),
               statistics.median(sequential_cpu), statistics.median(parallel_cpu))
        rows.append(row)
        print(f"{count} slots: one after another {row[1]:.2f} s, in parallel {row[2]:.2f} s "
              f"(CPU {row[3]:.2f} s and {row[4]:.2f} s)", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    with open(args.out, "w") as handle:
        handle.write("## atelier test: slots in parallel (virtual rig, --time-scale 1)\n\n")
        handle.write("Blue Pill slots on emulated ST-Links, unit-test template (flash a blank chip, reset, "
                     "semihosting until the summary). One after another: one `atelier test --slots S` per slot. "
                     f"Every run starts from blank chips. Medians of {args.runs} runs. Cores: {os.cpu_count()}, "
                     f"shared (load average {load:.1f} at the start). CPU: the rig process and everything under it "
                     "(atelier, the emulated chips and USB), in CPU seconds.\n\n")
        handle.write("| slots | one after another (s) | in parallel (s) | speed-up | CPU one after another (s) "
                     "| CPU in parallel (s) |\n|---|---|---|---|---|---|\n")
        for count, sequential, parallel, sequential_cpu, parallel_cpu in rows:
            handle.write(f"| {count} | {sequential:.2f} | {parallel:.2f} | {sequential / parallel:.2f}x "
                         f"| {sequential_cpu:.2f} | {parallel_cpu:.2f} |\n")


if __name__ == "__main__":
    main()
