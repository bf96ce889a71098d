#!/usr/bin/env python3
"""atelier provision: serial allocations per second with 4 concurrent stations on SQLite and PostgreSQL (goal on
SQLite: at least 1,000/s), and units per hour for 8 parallel slots on the virtual rig at --time-scale 1 with the
per-unit overhead beyond flashing itself (goal: at most 0.5 s). Writes a markdown section (issue 11)."""
import argparse, glob, json, os, pwd, random, shutil, statistics, subprocess, sys, tempfile, time

BATCH = """name: bench
board: bluepill
image: fw.bin
base: 0x08000000
count: {count}
identity:
  serial: {{format: "B-{{seq:07}}", first: 1, last: 9999999}}
  mac: {{first: "02:A7:00:00:00:00", last: "02:A7:00:FF:FF:FF"}}
  key: p256
"""
IMAGE_SIZE = 24 * 1024
LEASE = 16  # units per durable ledger transaction: `atelier provision --lease`'s default
BLOCK_ADDRESS = 0x0800FC00  # bluepill: the last 1 KiB page, the batch's default


def serial(i):
    return f"{i + 0xB0:02X}" * 12


class Postgres:
    """A throwaway server as the tests start one: initdb, pg_ctl on a loopback port, as user postgres when root.
    fsync stays on, as a line's server would run."""

    def __init__(self, folder):
        self.folder = os.path.join(folder, "pg")
        os.makedirs(self.folder)
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1]
        self.port = random.randint(40000, 50000)
        self.prefix = []
        if os.getuid() == 0:
            os.chown(self.folder, pwd.getpwnam("postgres").pw_uid, -1)
            os.chmod(folder, 0o755)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.folder, "data")
        self.run(["initdb", "-D", data, "-U", "atelier", "--auth=trust", "-E", "UTF8"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run(["pg_ctl", "-D", data, "-o", options, "-l", os.path.join(self.folder, "log"), "-w", "start"])
        self.url = f"postgres://atelier@127.0.0.1:{self.port}/postgres"

    def run(self, command):
        subprocess.run(self.prefix + [os.path.join(self.bin, command[0])] + command[1:], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def stop(self):
        self.run(["pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "fast", "-w", "stop"])


def allocations(args, folder, ledger, stations, per_station, lease):
    """Units reserved per second by `stations` processes at once, each leasing `lease` units per durable
    transaction: all units over first start to last end."""
    processes = [subprocess.Popen([args.atelier, "provision", "allocate", os.path.join(folder, "batch.yaml"),
                                   "--ledger", ledger, "--station", f"s{i}", "--count", str(per_station),
                                   "--lease", str(lease)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(stations)]
    results = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            sys.exit(f"allocate failed: {err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
        if results[-1]["lease"] != lease:
            sys.exit(f"allocate leased {results[-1]['lease']} units at a time, not {lease}")
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return sum(r["units"] for r in results) / span


def fsync_latency(folder):
    """Milliseconds one small write and fsync take in `folder`: what bounds a durable ledger's commits."""
    path = os.path.join(folder, "fsync-probe")
    handle = os.open(path, os.O_WRONLY | os.O_CREAT)
    started = time.monotonic()
    for _ in range(50):
        os.write(handle, b"x" * 100)
        os.fsync(handle)
    os.close(handle)
    return (time.monotonic() - started) / 50 * 1000


def under_rig(args, folder, state, boards, script):
    """Runs `script` under one rig at --time-scale 1 with `boards` Blue Pills; its stdout."""
    devices = sum((["--device", f"stlink:bluepill:serial={serial(i)}"] for i in boards), [])
    out = subprocess.run([args.rig, "exec", "--time-scale", "1", "--state", os.path.join(folder, state)] + devices
                         + ["--", "/bin/sh", "-c", script], cwd=folder, capture_output=True, text=True,
                         env=dict(os.environ, ATELIER=args.atelier))
    if out.returncode != 0:
        sys.exit(f"failed: {script}\n{out.stdout}\n{out.stderr}")
    return out.stdout


def timed(command):
    """A shell line printing the start and end times of `command` (Unix seconds), taken inside the rig."""
    return f's=$(date +%s.%N); {command} > /dev/null || exit 1; echo "$s $(date +%s.%N)"'


def seconds(line):
    start, end = line.split()
    return float(end) - float(start)


def write_hex(path, segments):
    """Intel HEX of (address, bytes) segments: what `atelier flash` writes when the provisioner's image is timed."""
    lines = []
    for address, data in segments:
        upper = None
        for offset in range(0, len(data), 16):
            at = address + offset
            if at >> 16 != upper:
                upper = at >> 16
                record = bytes([2, 0, 0, 4, upper >> 8, upper & 0xFF])
                lines.append(":" + (record + bytes([(-sum(record)) & 0xFF])).hex().upper())
            chunk = data[offset:offset + 16]
            record = bytes([len(chunk), (at >> 8) & 0xFF, at & 0xFF, 0]) + chunk
            lines.append(":" + (record + bytes([(-sum(record)) & 0xFF])).hex().upper())
    lines.append(":00000001FF")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atelier", required=True)
    parser.add_argument("--rig", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    args.atelier, args.rig = os.path.abspath(args.atelier), os.path.abspath(args.rig)
    folder = tempfile.mkdtemp(prefix="atelier-provision-bench-")
    image = bytes((i * 7 + 3) & 0xFF for i in range(IMAGE_SIZE))
    with open(os.path.join(folder, "fw.bin"), "wb") as handle:
        handle.write(image)
    with open(os.path.join(folder, "batch.yaml"), "w") as handle:
        handle.write(BATCH.format(count=1_000_000))

    fsync_ms = fsync_latency(folder)
    # Allocation: the reservation transaction alone, through the hidden `provision allocate` (no board).
    # tmpfs shows the transaction's own cost: the same SQLite file where fsync returns at once.
    shm = tempfile.mkdtemp(prefix="atelier-provision-bench-", dir="/dev/shm")
    postgres = Postgres(folder)
    try:
        rates = {}
        for name, stations, per_station, lease in [
                ("SQLite", 1, 1000, LEASE), ("SQLite", 4, 500, LEASE), ("SQLite", 4, 500, 1),
                ("SQLite on tmpfs", 4, 2000, LEASE), ("PostgreSQL", 1, 1000, LEASE), ("PostgreSQL", 4, 500, LEASE),
                ("PostgreSQL", 4, 500, 1)]:
            runs = []
            for run in range(args.runs):
                ledger = {"SQLite": f"sqlite:{folder}/alloc-{stations}-{lease}-{run}.sqlite",
                          "SQLite on tmpfs": f"sqlite:{shm}/alloc-{stations}-{lease}-{run}.sqlite"
                          }.get(name, postgres.url)
                runs.append(allocations(args, folder, ledger, stations, per_station, lease))
            rates[(name, stations, lease)] = statistics.median(runs)
            print(f"{name}, {stations} stations, lease {lease}: {rates[(name, stations, lease)]:.0f} allocations/s",
                  file=sys.stderr)
    finally:
        postgres.stop()
        shutil.rmtree(shm, ignore_errors=True)

    # 8 slots: one `atelier provision --parallel 8` process (a slot thread per board), and, for comparison, eight
    # `atelier provision --probe` processes at once; each on one rig and one SQLite ledger.
    slots = 8
    per_hour = {"one process": [], "8 processes": []}
    forms = {
        "one process": lambda ledger: f'"$ATELIER" provision batch.yaml --ledger {ledger} --station line '
                                      f'--parallel {slots} > /dev/null 2>&1 || exit 1;',
        "8 processes": lambda ledger: " ".join(
            f'"$ATELIER" provision batch.yaml --ledger {ledger} --station slot{i} --probe {serial(i)} '
            f'> /dev/null 2>&1 &' for i in range(slots)) + " wait;",
    }
    for run in range(args.runs):
        for form, jobs in forms.items():
            ledger = f"sqlite:{folder}/slots-{run}-{form.split()[0]}.sqlite"
            out = under_rig(args, folder, f"slots-{run}-{form.split()[0]}", range(slots),
                            f's=$(date +%s.%N); {jobs(ledger)} echo "$s $(date +%s.%N)"; '
                            f'"$ATELIER" provision report batch.yaml --ledger {ledger} --csv')
            took = seconds(out.splitlines()[0])
            committed = int(out.splitlines()[-1].split(",")[6])
            if committed != slots:
                sys.exit(f"{form}: only {committed} of {slots} units committed:\n{out}")
            per_hour[form].append(slots / took * 3600)
            print(f"{slots} slots, {form}: {slots} units in {took:.2f} s", file=sys.stderr)

    # Overhead: one unit provisioned against `atelier flash` of the same bytes (image plus an identity-sized
    # block), each on a fresh board, each verified; the difference is what provisioning adds.
    write_hex(os.path.join(folder, "same.hex"), [(0x08000000, image), (BLOCK_ADDRESS, bytes(range(256)))])
    provision_times, flash_times = [], []
    for run in range(args.runs):
        ledger = f"sqlite:{folder}/one-{run}.sqlite"
        out = under_rig(args, folder, f"one-p{run}", [0],
                        timed(f'"$ATELIER" provision batch.yaml --ledger {ledger} --station one'))
        provision_times.append(seconds(out.splitlines()[-1]))
        out = under_rig(args, folder, f"one-f{run}", [0],
                        timed('"$ATELIER" flash same.hex --board bluepill'))
        flash_times.append(seconds(out.splitlines()[-1]))
    provision, flash = statistics.median(provision_times), statistics.median(flash_times)
    print(f"one unit: provision {provision:.2f} s, flash {flash:.2f} s", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)

    sqlite4 = rates[("SQLite", 4, LEASE)]
    overhead = provision - flash
    with open(args.out, "w") as handle:
        handle.write("## atelier provision: allocations and units per hour\n\n")
        handle.write("Allocations: `atelier provision allocate` (hidden; takes units exactly as a station does for "
                     "its boards: a lease of K units in one durable transaction, then handed out one by one) from "
                     "N station processes at once on one ledger, all units over first start to last end, median "
                     f"of {args.runs}. K = {LEASE} (`--lease`, the default) unless the row says 1, which is one "
                     "durable transaction per unit, as before leases. SQLite: WAL, `synchronous=FULL` (an fsync "
                     f"per transaction), a file in /tmp on a disk whose fsync took {fsync_ms:.1f} ms here. "
                     "PostgreSQL: a local server, fsync on, one connection per station. Binaries: "
                     f"`{os.path.relpath(args.atelier)}`. Cores: {os.cpu_count()}, shared.\n\n")
        handle.write("| ledger | stations | lease K | allocations/s |\n|---|---|---|---|\n")
        for (name, stations, lease), rate in rates.items():
            handle.write(f"| {name} | {stations} | {lease} | {rate:.0f} |\n")
        tmpfs4 = rates[("SQLite on tmpfs", 4, LEASE)]
        handle.write(f"\nGoal at least 1,000/s on SQLite with 4 stations: {'met' if sqlite4 >= 1000 else 'not met'} "
                     f"on this disk ({sqlite4:.0f}/s with K = {LEASE}), {'met' if tmpfs4 >= 1000 else 'not met'} "
                     f"on tmpfs ({tmpfs4:.0f}/s). Durability is kept: a lease is committed (flushed) before any of "
                     "its units is handed out, and a crashed run's leased units are voided, never reused; a clean "
                     "run returns the units it did not use, whose serials the next lease takes first.\n\n")
        handle.write("Units per hour: Blue Pills on emulated ST-Links at `--time-scale 1` (datasheet erase and "
                     f"program times), a {IMAGE_SIZE // 1024} KiB image plus a P-256 identity block per unit. "
                     f"{slots} slots: one `atelier provision --parallel {slots}` process (a thread per board), and "
                     f"for comparison {slots} `atelier provision --probe` processes at once; each on one rig and one "
                     "SQLite ledger. Overhead: one unit provisioned against `atelier flash` of the same bytes (image "
                     "and a block-sized segment) on a fresh board; both verify. Median of "
                     f"{args.runs}.\n\n")
        handle.write("| measure | value |\n|---|---|\n")
        handle.write(f"| units per hour, {slots} slots, one `--parallel {slots}` process | "
                     f"{statistics.median(per_hour['one process']):.0f} |\n")
        handle.write(f"| units per hour, {slots} slots, {slots} processes | "
                     f"{statistics.median(per_hour['8 processes']):.0f} |\n")
        handle.write(f"| one unit: atelier provision (s) | {provision:.2f} |\n")
        handle.write(f"| same bytes: atelier flash (s) | {flash:.2f} |\n")
        handle.write(f"| per-unit overhead beyond flashing (s) | {overhead:.2f} |\n")
        handle.write(f"\nGoal at most 0.5 s of overhead per unit: {'met' if overhead <= 0.5 else 'not met'}.\n")


if __name__ == "__main__":
    main()
