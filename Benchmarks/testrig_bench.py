#!/usr/bin/env python3
"""atelier test scaling: 1, 2, 4, 8 Blue Pill slots on the virtual rig at --time-scale 1 (real ST-Link and flash
timings), all slots at once against the same slots one after another (one `atelier test --slots S` each).
Writes a markdown section; the goal (issue 10) is 8 slots at least 6x faster than one after another."""
import argparse, os, re, shutil, subprocess, sys, tempfile, time


def rig_file(count):
    lines = ["slots:"]
    for i in range(count):
        lines += [f"  - name: s{i}", "    board: bluepill", f"    probe: {serial(i)}"]
    return "\n".join(lines) + "\n"


def serial(i):
    return f"{i:02X}" * 12


def run_under_rig(args, project, count, script, env):
    devices = sum((["--device", f"stlink:bluepill:serial={serial(i)}"] for i in range(count)), [])
    started = time.monotonic()
    out = subprocess.run([args.rig, "exec", "--time-scale", "1", "--state", project] + devices
                         + ["--", "/bin/sh", "-c", script], cwd=project, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {script}\n{out.stdout}\n{out.stderr}")
    return out.stdout, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--slots", default="1,2,4,8")
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
    rows = []
    for count in [int(n) for n in args.slots.split(",")]:
        with open(os.path.join(project, "rig.yaml"), "w") as handle:
            handle.write(rig_file(count))
        test = f'"$ATELIER" test --timeout 300 --image bluepill={elf}'
        # Time inside the rig, as atelier reports it: the rig's own start-up is not atelier's.
        out, _ = run_under_rig(args, project, count, test, env)
        parallel = float(re.search(r"slots passed in ([0-9.]+) s", out).group(1))
        script = "; ".join(f"{test} --slots s{i}" for i in range(count))
        out, _ = run_under_rig(args, project, count, script, env)
        sequential = sum(float(t) for t in re.findall(r"slots passed in ([0-9.]+) s", out))
        rows.append((count, sequential, parallel))
        print(f"{count} slots: one after another {sequential:.1f} s, in parallel {parallel:.1f} s", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    with open(args.out, "w") as handle:
        handle.write("## atelier test: slots in parallel (virtual rig, --time-scale 1)\n\n")
        handle.write("Blue Pill slots on emulated ST-Links, unit-test template (flash, reset, semihosting until the "
                     "summary). One after another: one `atelier test --slots S` per slot. Cores: "
                     f"{os.cpu_count()}, shared.\n\n")
        handle.write("| slots | one after another (s) | in parallel (s) | speed-up |\n|---|---|---|---|\n")
        for count, sequential, parallel in rows:
            handle.write(f"| {count} | {sequential:.2f} | {parallel:.2f} | {sequential / parallel:.2f}x |\n")


if __name__ == "__main__":
    main()
