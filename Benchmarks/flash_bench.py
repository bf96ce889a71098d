#!/usr/bin/env python3
"""atelier flash against dfu-util -D on the same virtual STM32F4 ROM bootloader, side by side in one run.

Usage: python3 Benchmarks/flash_bench.py --atelier BIN --rig BIN [--runs N] [--out FILE]

The virtual rig runs at --time-scale 1: erase and program take the STM32F407 datasheet's times and every USB
transfer takes full-speed bus time, as real sleeps. Each tool runs under /usr/bin/time inside `atelier-rig exec`,
so wall time, CPU time and peak RSS are the tool's own. Every first flash starts from a blank chip.
Cases: first flash of 64 KiB, 256 KiB and 1 MiB; re-flash of the unchanged image; re-flash with one 16 KiB sector
changed. atelier verifies everything it writes; dfu-util verifies nothing, and it has no way to skip work.
Then atelier's peak RSS for 1 MiB and 64 MiB images on a synthetic 64 MiB board (at time-scale 0: memory does
not depend on time).
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from benchlib import write_report

BOARD = "stm32f4-discovery"
HERE = os.path.dirname(os.path.abspath(__file__))


def measure(rig, state, command, scale="1", device=f"dfuse:{BOARD}", boards_path=None):
    """Runs `command` under the rig and /usr/bin/time; returns (wall s, cpu s, peak RSS KiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        rig_command = [rig, "exec", "--time-scale", scale, "--state", state, "--device", device]
        if boards_path:
            rig_command += ["--boards-path", boards_path]
        full = rig_command + ["--", "/usr/bin/time", "-f", "%e %U %S %M", "-o", timing.name] + command
        result = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            sys.exit(f"failed ({result.returncode}): {' '.join(full)}\n{result.stdout}")
        wall, user, system, rss = timing.read().split()[-4:]
        return float(wall), float(user) + float(system), int(rss)


def atelier_flash(atelier, image, board=BOARD, boards_path=None):
    command = [atelier, "flash", image, "--base", "0x08000000", "--board", board]
    return command + (["--boards-path", boards_path] if boards_path else [])


def dfu_util(image):
    return ["dfu-util", "-a", "0", "-s", "0x08000000", "-D", image]


def run_case(rig, work, name, steps, runs):
    """steps: list of (label, command); each run starts from a blank chip; returns medians for the last step."""
    samples = []
    for _ in range(runs):
        state = tempfile.mkdtemp(dir=work)
        for _, command in steps[:-1]:
            measure(rig, state, command)
        samples.append(measure(rig, state, steps[-1][1]))
        shutil.rmtree(state)
    return tuple(statistics.median(values) for values in zip(*samples))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="-")
    arguments = parser.parse_args()
    atelier, rig = os.path.abspath(arguments.atelier), os.path.abspath(arguments.rig)
    work = tempfile.mkdtemp(prefix="atelier-flash-bench-")
    rows = []
    try:
        for size in (64 << 10, 256 << 10, 1 << 20):
            rng = random.Random(size)
            image = os.path.join(work, f"fw-{size}.bin")
            data = bytearray(rng.randbytes(size))
            with open(image, "wb") as f:
                f.write(data)
            changed = os.path.join(work, f"fw-{size}-changed.bin")
            data[0x4000:0x8000] = rng.randbytes(0x4000)  # sector 1, 16 KiB
            with open(changed, "wb") as f:
                f.write(data)
            label = f"{size >> 10} KiB"
            cases = [
                ("first flash", [("", atelier_flash(atelier, image))], [("", dfu_util(image))]),
                ("unchanged re-flash", [("", atelier_flash(atelier, image))] * 2, [("", dfu_util(image))] * 2),
                ("one sector changed", [("", atelier_flash(atelier, image)), ("", atelier_flash(atelier, changed))],
                 [("", dfu_util(image)), ("", dfu_util(changed))]),
            ]
            for case, ours, theirs in cases:
                mine = run_case(rig, work, case, ours, arguments.runs)
                peer = run_case(rig, work, case, theirs, arguments.runs)
                rows.append((label, case, mine, peer))
                print(f"{label} {case}: atelier {mine[0]:.2f} s, dfu-util {peer[0]:.2f} s", file=sys.stderr)
        memory = []
        boards = os.path.join(HERE, "boards")
        for size in (1 << 20, 64 << 20):
            image = os.path.join(work, f"big-{size}.bin")
            with open(image, "wb") as f:
                f.write(random.Random(size).randbytes(size))
            state = tempfile.mkdtemp(dir=work)
            wall, cpu, rss = measure(rig, state, atelier_flash(atelier, image, "bench-64m", boards) + ["--no-verify"],
                                     scale="0", device="dfuse:bench-64m", boards_path=boards)
            memory.append((size, rss))
            print(f"{size >> 20} MiB image: peak RSS {rss} KiB", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(render(rows, memory, arguments.runs), arguments.out)


def render(rows, memory, runs):
    lines = [
        "## Flashing over DfuSe: atelier against dfu-util",
        "",
        f"Virtual STM32F407 ROM bootloader at time-scale 1 (datasheet erase/program times, full-speed USB bus time), "
        f"median of {runs} runs, each first flash on a blank chip. atelier verifies by read-back; dfu-util does not "
        f"verify. Ratio = atelier / dfu-util wall time (below 1 is faster).",
        "",
        "| image | case | atelier wall | dfu-util wall | ratio | atelier CPU | dfu-util CPU | atelier RSS | dfu-util RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, case, mine, peer in rows:
        lines.append(f"| {label} | {case} | {mine[0]:.2f} s | {peer[0]:.2f} s | **{mine[0] / peer[0]:.2f}x** "
                     f"| {mine[1]:.2f} s | {peer[1]:.2f} s | {mine[2] // 1024} MiB | {peer[2] // 1024} MiB |")
    lines += ["", "Peak RSS of `atelier flash --no-verify` on a synthetic 64 MiB DfuSe board (time-scale 0):", "",
              "| image | peak RSS |", "|---|---|"]
    for size, rss in memory:
        lines.append(f"| {size >> 20} MiB | {rss / 1024:.1f} MiB |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
