#!/usr/bin/env python3
"""atelier flash against st-flash write and OpenOCD program ... verify, on the same virtual ST-Link, in one run.

Usage: python3 Benchmarks/stlink_bench.py --atelier BIN --rig BIN [--runs N] [--out FILE]

The virtual rig runs at --time-scale 1: erase and program take the datasheet's times (STM32F103: 52.5 us per
half-word, 20 ms per 1 KiB page; STM32F407: 16 us per word, 250/550/1000 ms per 16/64/128 KiB sector) and every
USB transfer takes full-speed bus time, as real sleeps. Each tool runs under /usr/bin/time inside
`atelier-rig exec`, so wall time, CPU time and peak RSS are the tool's own. Every first flash starts from a blank
chip. Cases: 64 KiB on bluepill (ST-Link V2), 256 KiB and 1 MiB on stm32f4-discovery (ST-Link V2-1); first flash,
then re-flash of the unchanged image. atelier verifies everything it writes (on-target CRC-32); st-flash verifies
by reading back; OpenOCD's `verify` uses its on-target CRC. Neither peer can skip unchanged sectors.
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

CASES = [
    ("bluepill", "stlink:bluepill", "target/stm32f1x.cfg", 64 << 10),
    ("stm32f4-discovery", "stlink-v21:stm32f4-discovery", "target/stm32f4x.cfg", 256 << 10),
    ("stm32f4-discovery", "stlink-v21:stm32f4-discovery", "target/stm32f4x.cfg", 1 << 20),
]


def measure(rig, state, device, command):
    """Runs `command` under the rig and /usr/bin/time; returns (wall s, cpu s, peak RSS KiB), or None when it
    failed twice (st-flash's loader gives up after 500 ms, which a loaded machine can exceed)."""
    for _ in range(2):
        with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
            full = [rig, "exec", "--time-scale", "1", "--state", state, "--console", os.devnull, "--device",
                    device, "--", "/usr/bin/time", "-f", "%e %U %S %M", "-o", timing.name] + command
            result = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode == 0:
                wall, user, system, rss = timing.read().split()[-4:]
                return float(wall), float(user) + float(system), int(rss)
            print(f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout[-2000:]}", file=sys.stderr)
    return None


def tools(atelier, board, config, image):
    return {
        "atelier": [atelier, "flash", image, "--base", "0x08000000", "--board", board],
        "st-flash": ["st-flash", "write", image, "0x08000000"],
        "openocd": ["openocd", "-f", "interface/stlink.cfg", "-f", config, "-c",
                    f"program {image} 0x08000000 verify reset exit"],
    }


def run_tool(rig, work, device, command, runs):
    """Medians of (first flash on a blank chip, the same image again)."""
    first, again = [], []
    for _ in range(runs):
        state = tempfile.mkdtemp(dir=work)
        first.append(measure(rig, state, device, command))
        again.append(measure(rig, state, device, command))
        shutil.rmtree(state)

    def median(samples):
        good = [sample for sample in samples if sample]
        return tuple(statistics.median(values) for values in zip(*good)) if good else None

    return median(first), median(again)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", default="-")
    arguments = parser.parse_args()
    atelier, rig = os.path.abspath(arguments.atelier), os.path.abspath(arguments.rig)
    work = tempfile.mkdtemp(prefix="atelier-stlink-bench-")
    rows = []
    try:
        for board, device, config, size in CASES:
            image = os.path.join(work, f"fw-{size}.bin")
            with open(image, "wb") as f:
                f.write(random.Random(size).randbytes(size))
            results = {}
            for name, command in tools(atelier, board, config, image).items():
                results[name] = run_tool(rig, work, device, command, arguments.runs)
                print(f"{board} {size >> 10} KiB {name}: {results[name]}", file=sys.stderr)
            rows.append((board, size, results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(render(rows, arguments.runs), arguments.out)


def render(rows, runs):
    lines = [
        "## Flashing over ST-Link: atelier against st-flash and OpenOCD",
        "",
        f"Virtual ST-Link at time-scale 1 (datasheet erase/program times, full-speed USB bus time), median of "
        f"{runs} run(s), each first flash on a blank chip, then the same image again. Ratio = atelier / the faster "
        f"peer's wall time (goal: first flash at most 0.75x, unchanged re-flash at most 0.1x).",
        "",
        "| board | image | case | atelier | st-flash | OpenOCD | ratio | atelier CPU | st-flash CPU | OpenOCD CPU "
        "| atelier RSS | st-flash RSS | OpenOCD RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    failed = "failed"
    for board, size, results in rows:
        for index, case in enumerate(("first flash", "unchanged re-flash")):
            mine, st, oocd = (results[name][index] for name in ("atelier", "st-flash", "openocd"))
            peers = [peer[0] for peer in (st, oocd) if peer]
            ratio = f"**{mine[0] / min(peers):.2f}x**" if mine and peers else "-"
            cell = lambda sample, field, text: text(sample[field]) if sample else failed
            seconds, mebibytes = (lambda value: f"{value:.2f} s"), (lambda value: f"{value // 1024} MiB")
            lines.append(
                f"| {board} | {size >> 10} KiB | {case} | {cell(mine, 0, seconds)} | {cell(st, 0, seconds)} "
                f"| {cell(oocd, 0, seconds)} | {ratio} | {cell(mine, 1, seconds)} | {cell(st, 1, seconds)} "
                f"| {cell(oocd, 1, seconds)} | {cell(mine, 2, mebibytes)} | {cell(st, 2, mebibytes)} "
                f"| {cell(oocd, 2, mebibytes)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
