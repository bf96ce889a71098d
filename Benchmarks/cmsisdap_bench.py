#!/usr/bin/env python3
"""atelier flash against OpenOCD program ... verify, on the same virtual CMSIS-DAP v2 probe, in one run.

Usage: python3 Benchmarks/cmsisdap_bench.py --atelier BIN --rig BIN [--runs N] [--out FILE]

The virtual rig runs at --time-scale 1: the nRF52840's NVMC takes the datasheet's times (41 us per word, 85 ms per
4 KiB page) and every USB transfer takes bus time, as real sleeps. Each tool runs under /usr/bin/time inside
`atelier-rig exec`, so wall time, CPU time and peak RSS are the tool's own. Every first flash starts from a blank
chip. Case: 256 KiB on nrf52840dk; first flash, then re-flash of the unchanged image. atelier verifies everything
it writes (on-target CRC-32); OpenOCD's `verify` uses its on-target checksum. OpenOCD cannot skip unchanged pages.
"""
import argparse
import os
import random
import shutil
import sys
import tempfile

# The same measurement as the ST-Link benchmark: the tool under /usr/bin/time inside `atelier-rig exec`.
from stlink_bench import run_tool
from benchlib import write_report

CASES = [
    ("nrf52840dk", "cmsis-dap:nrf52840dk", "target/nrf52.cfg", 0x00000000, 256 << 10),
]


def tools(atelier, board, config, base, image):
    return {
        "atelier": [atelier, "flash", image, "--base", hex(base), "--board", board],
        "openocd": ["openocd", "-f", "interface/cmsis-dap.cfg", "-f", config, "-c",
                    f"program {image} {hex(base)} verify reset exit"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", default="-")
    arguments = parser.parse_args()
    atelier, rig = os.path.abspath(arguments.atelier), os.path.abspath(arguments.rig)
    work = tempfile.mkdtemp(prefix="atelier-cmsisdap-bench-")
    rows = []
    try:
        for board, device, config, base, size in CASES:
            image = os.path.join(work, f"fw-{size}.bin")
            with open(image, "wb") as f:
                f.write(random.Random(size).randbytes(size))
            results = {}
            for name, command in tools(atelier, board, config, base, image).items():
                results[name] = run_tool(rig, work, device, command, arguments.runs)
                print(f"{board} {size >> 10} KiB {name}: {results[name]}", file=sys.stderr)
            rows.append((board, size, results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(render(rows, arguments.runs), arguments.out)


def render(rows, runs):
    lines = [
        "## Flashing over CMSIS-DAP: atelier against OpenOCD",
        "",
        f"Virtual CMSIS-DAP v2 probe at time-scale 1 (datasheet NVMC times, USB bus time), median of {runs} run(s), "
        f"each first flash on a blank chip, then the same image again. Ratio = atelier / OpenOCD wall time "
        f"(goal: at most 0.75x).",
        "",
        "| board | image | case | atelier | OpenOCD | ratio | atelier CPU | OpenOCD CPU | atelier RSS | OpenOCD RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    failed = "failed"
    for board, size, results in rows:
        for index, case in enumerate(("first flash", "unchanged re-flash")):
            mine, oocd = (results[name][index] if results[name] else None for name in ("atelier", "openocd"))
            ratio = f"**{mine[0] / oocd[0]:.2f}x**" if mine and oocd else "-"
            cell = lambda sample, field, text: text(sample[field]) if sample else failed
            seconds, mebibytes = (lambda value: f"{value:.2f} s"), (lambda value: f"{value // 1024} MiB")
            lines.append(
                f"| {board} | {size >> 10} KiB | {case} | {cell(mine, 0, seconds)} | {cell(oocd, 0, seconds)} "
                f"| {ratio} | {cell(mine, 1, seconds)} | {cell(oocd, 1, seconds)} | {cell(mine, 2, mebibytes)} "
                f"| {cell(oocd, 2, mebibytes)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
