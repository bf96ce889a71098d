#!/usr/bin/env python3
"""atelier flash against avrdude -c usbasp on the same virtual USBasp + ATmega328P (Arduino Uno), in one run.

Usage: python3 Benchmarks/usbasp_bench.py --atelier BIN --rig BIN [--runs N] [--out FILE]

The virtual rig runs at --time-scale 1: page writes take the datasheet's 4.5 ms, a chip erase 9 ms, and every
control transfer takes low-speed (1.5 Mbit/s, 8-byte packets) bus time, as real sleeps. Each tool runs under
/usr/bin/time inside `atelier-rig exec`. Both verify by read-back. Cases (32 KiB images, the whole flash):
first flash on a blank chip; a different image over a programmed chip (both need a chip erase); the same image
again (atelier compares and writes nothing; avrdude has no way to skip work).
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flash_bench import measure  # noqa: E402  (same measuring harness as the DfuSe benchmark)
from benchlib import write_report

DEVICE = "usbasp:uno"


def atelier_flash(atelier, image):
    return [atelier, "flash", image, "--base", "0", "--board", "uno"]


def avrdude(image):
    return ["avrdude", "-q", "-q", "-c", "usbasp", "-p", "m328p", "-U", f"flash:w:{image}:r"]


def run_case(rig, work, steps, runs):
    """Each run starts from a blank chip, runs every step, and times the last one; returns medians."""
    samples = []
    for _ in range(runs):
        state = tempfile.mkdtemp(dir=work)
        for command in steps[:-1]:
            measure(rig, state, command, device=DEVICE)
        samples.append(measure(rig, state, steps[-1], device=DEVICE))
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
    work = tempfile.mkdtemp(prefix="atelier-usbasp-bench-")
    rows = []
    try:
        images = []
        for seed in (1, 2):
            path = os.path.join(work, f"fw-{seed}.bin")
            with open(path, "wb") as f:
                f.write(random.Random(seed).randbytes(32 << 10))
            images.append(path)
        first, other = images
        cases = [
            ("first flash", [first]),
            ("another image over it", [first, other]),
            ("the same image again", [first, first]),
        ]
        for case, sequence in cases:
            mine = run_case(rig, work, [atelier_flash(atelier, image) for image in sequence], arguments.runs)
            peer = run_case(rig, work, [avrdude(image) for image in sequence], arguments.runs)
            rows.append((case, mine, peer))
            print(f"32 KiB {case}: atelier {mine[0]:.2f} s, avrdude {peer[0]:.2f} s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(render(rows, arguments.runs), arguments.out)


def render(rows, runs):
    lines = [
        "## Flashing an Uno over USBasp: atelier against avrdude",
        "",
        f"Virtual USBasp with an ATmega328P at time-scale 1 (datasheet page-write and chip-erase times, low-speed "
        f"USB bus time), 32 KiB images, median of {runs} runs from a blank chip. Both verify by read-back. "
        f"Ratio = atelier / avrdude wall time (below 1 is faster; the goal is 0.75).",
        "",
        "| case | atelier wall | avrdude wall | ratio | atelier CPU | avrdude CPU |",
        "|---|---|---|---|---|---|",
    ]
    for case, mine, peer in rows:
        lines.append(f"| {case} | {mine[0]:.2f} s | {peer[0]:.2f} s | **{mine[0] / peer[0]:.2f}x** "
                     f"| {mine[1]:.2f} s | {peer[1]:.2f} s |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
