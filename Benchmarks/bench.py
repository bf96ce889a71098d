#!/usr/bin/env python3
"""atelier build against CMake + Ninja on the same generated 50-file C project, same compiler and flags.

Usage: python3 Benchmarks/bench.py ATELIER_BINARY [--runs N] [--out BENCHMARKS.md]

Three measurements, each the median of N runs: a full build from clean, a no-op build, and a rebuild after
one source file changed. The CMake project takes its compile and link flags from the compile_commands.json and
the link line atelier wrote, so both build exactly the same thing; both run 2 parallel jobs.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BOARD = "lm3s6965evb"
FILES = 50


def run(command, cwd, quiet=True):
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout}")
    return result.stdout


def timed(command, cwd):
    start = time.perf_counter()
    output = run(command, cwd)
    return time.perf_counter() - start, output


def generate(atelier, root):
    project = os.path.join(root, "project")
    run([atelier, "new", project, "--board", BOARD, "--lang", "c", "--template", "hello"], root)
    src = os.path.join(project, "src")
    with open(os.path.join(src, "common.h"), "w") as f:
        f.write("#pragma once\n#include <stdint.h>\nstatic inline uint32_t mix(uint32_t a, uint32_t b) "
                "{ return (a << 5) ^ (a >> 3) ^ b; }\n")
    calls = []
    for i in range(FILES):
        with open(os.path.join(src, f"module_{i:02}.h"), "w") as f:
            f.write(f"#pragma once\n#include <stdint.h>\nuint32_t module_{i:02}(uint32_t seed);\n")
        with open(os.path.join(src, f"module_{i:02}.c"), "w") as f:
            f.write(f'#include "common.h"\n#include "module_{i:02}.h"\n\n'
                    f"static uint32_t table_{i:02}[64];\n\n"
                    f"uint32_t module_{i:02}(uint32_t seed) {{\n"
                    f"    for (unsigned n = 0; n < 64; n++) table_{i:02}[n] = mix(seed + n, {i}u);\n"
                    f"    uint32_t sum = 0;\n"
                    f"    for (unsigned n = 0; n < 64; n++) sum = mix(sum, table_{i:02}[n]);\n"
                    f"    return sum;\n}}\n")
        calls.append(f"module_{i:02}")
    with open(os.path.join(src, "main.c"), "w") as f:
        f.write('#include "atelier.h"\n')
        f.write("".join(f'#include "{c}.h"\n' for c in calls))
        f.write("\nint main(void) {\n    uint32_t seed = 1;\n")
        f.write("".join(f"    seed = {c}(seed);\n" for c in calls))
        f.write('    atelier_console_write("done\\n");\n    return seed == 0;\n}\n')
    return project


def cmake_project(project, cmake_dir, link_line):
    """A CMakeLists.txt with the flags atelier used, read back from its compile database and link line."""
    with open(os.path.join(project, "compile_commands.json")) as f:
        entries = json.load(f)
    arguments = entries[0]["arguments"]
    compiler = arguments[0]
    skip_next = False
    flags = []
    for argument in arguments[1:]:
        if skip_next:
            skip_next = False
            continue
        if argument in ("-MF", "-o", "-c"):
            skip_next = True
            continue
        if argument == "-MMD":
            continue
        flags.append(argument)
    flags = [f for f in flags if not f.startswith("-I")]
    sources = sorted(e["file"] for e in entries)
    objcopy = compiler.replace("-gcc", "-objcopy")
    text = f"""cmake_minimum_required(VERSION 3.20)
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER {compiler})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
project(bench C)
set(CMAKE_C_FLAGS "")
set(CMAKE_C_FLAGS_DEBUG "")
add_executable(firmware.elf {' '.join('${CMAKE_SOURCE_DIR}/' + s for s in sources)})
target_include_directories(firmware.elf PRIVATE ${{CMAKE_SOURCE_DIR}}/board ${{CMAKE_SOURCE_DIR}}/src)
target_compile_options(firmware.elf PRIVATE {' '.join(flags)})
target_link_options(firmware.elf PRIVATE {' '.join(link_flags(link_line))})
add_custom_command(TARGET firmware.elf POST_BUILD
    COMMAND {objcopy} -O binary firmware.elf firmware.bin
    COMMAND {objcopy} -O ihex firmware.elf firmware.hex)
"""
    with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
        f.write(text)
    os.makedirs(cmake_dir, exist_ok=True)
    run(["cmake", "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug", project], cmake_dir)


def link_flags(line):
    parts = line.split()[1:]
    result = []
    skip = False
    for index, part in enumerate(parts):
        if skip:
            skip = False
            continue
        if part == "-o":
            skip = True
            continue
        if part.endswith(".o"):
            continue
        if part.startswith("-Wl,-Map="):
            part = "-Wl,-Map=firmware.map"
        if part == "-T":
            result.append("-T")
            result.append("${CMAKE_SOURCE_DIR}/" + parts[index + 1])
            skip = True
            continue
        result.append(part)
    return result


def change_one_file(project, counter):
    path = os.path.join(project, "src", "module_25.c")
    with open(path, "a") as f:
        f.write(f"uint32_t module_25_extra_{counter}(void) {{ return {counter}u; }}\n")


def main():
    global ATELIER
    parser = argparse.ArgumentParser()
    parser.add_argument("atelier")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args()
    ATELIER = os.path.abspath(args.atelier)
    root = tempfile.mkdtemp(prefix="atelier-bench-")
    project = generate(ATELIER, root)
    # The first build writes compile_commands.json and reports its link line: the CMake project copies both.
    first = json.loads(run([ATELIER, "build", "-j", "2", "--json"], project))
    link_line = next(c for c in first["commands"] if " -T " in c)
    cmake_dir = os.path.join(root, "cmake-build")
    cmake_project(project, cmake_dir, link_line)

    tools = {
        "atelier": ([ATELIER, "build", "-j", "2"], project,
                    lambda: shutil.rmtree(os.path.join(project, ".atelier"), ignore_errors=True)),
        "ninja": (["ninja", "-j", "2"], cmake_dir, lambda: run(["ninja", "clean"], cmake_dir)),
    }
    results = {name: {"full": [], "noop": [], "one file": []} for name in tools}
    counter = 0
    for _ in range(args.runs):
        for name, (command, cwd, clean) in tools.items():
            clean()
            results[name]["full"].append(timed(command, cwd)[0])
            # A no-op takes milliseconds: several samples per round, so one scheduling hiccup does not decide.
            for _ in range(10):
                results[name]["noop"].append(timed(command, cwd)[0])
        for _ in range(3):
            counter += 1
            change_one_file(project, counter)
            for name, (command, cwd, _) in tools.items():
                results[name]["one file"].append(timed(command, cwd)[0])

    check = json.loads(run([ATELIER, "build", "--json"], project))
    assert check["spawned"] == 0, "the no-op build spawned processes"
    medians = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    minimums = {name: {k: min(v) for k, v in r.items()} for name, r in results.items()}
    goals = {"full": 1.1, "noop": 1.5, "one file": None}
    lines = [
        "## Building: atelier against CMake + Ninja",
        "",
        f"`make bench` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores): a generated "
        f"{FILES}-file C project for `{BOARD}` (arm-none-eabi-gcc, the same flags, 2 jobs), built by `atelier build` "
        f"(release binary, static Swift runtime) and by CMake + Ninja (configured once, not timed). "
        f"{args.runs} rounds, the two tools alternating (no-op: 10 samples per round, one file: 3); "
        f"ratio = atelier / ninja. "
        f"The machine is shared with other builds, so the fastest run is shown beside the median.",
        "",
        "| build | atelier median (s) | ninja median (s) | ratio of medians | ratio of fastest | goal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind in ["full", "noop", "one file"]:
        a, n = medians["atelier"][kind], medians["ninja"][kind]
        fastest = minimums["atelier"][kind] / minimums["ninja"][kind]
        goal = goals[kind]
        verdict = "" if goal is None else (f"<= {goal}x (medians): " + ("met" if a / n <= goal else "NOT met"))
        lines.append(f"| {kind} | {a:.4f} | {n:.4f} | {a / n:.2f}x | {fastest:.2f}x | {verdict} |")
    lines += ["", "Every run's times (s):", "", "```",
              json.dumps({n: {k: [round(x, 4) for x in v] for k, v in r.items()} for n, r in results.items()}),
              "```", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[:10]))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
