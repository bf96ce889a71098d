#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target under OUT/<target>/ from real files: firmware the cross-compilers
# build from atelier's own templates (as ELF, then objcopy's HEX and S-record, then BIN -> UF2 through
# `atelier image convert`), the Boards/ files, the atelier.yaml of fresh projects, and the rig and batch examples of
# docs/. Nothing large is committed; this runs again whenever `make fuzz` starts from an empty corpus.
# usage: Fuzz/make-seeds.sh ATELIER OUT
set -euo pipefail
atelier=$(realpath "$1")
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"/fuzz-{ihex,srec,elf,uf2,board,chip,manifest,rig,batch,identity}

# Board and chip files, the repository's and the benchmark's.
cp "$root"/Boards/*.yaml "$root"/Benchmarks/boards/*.yaml "$out/fuzz-board/"
cp "$root"/Boards/chips/*.yaml "$root"/Benchmarks/boards/chips/*.yaml "$out/fuzz-chip/"

# One C project per architecture, built by its cross-compiler: Cortex-M (arm-none-eabi), AVR, RISC-V.
for spec in bluepill:blinky:arm-none-eabi pico:hello:arm-none-eabi uno:blinky:avr longan-nano:blinky:riscv64-unknown-elf; do
    IFS=: read -r board template prefix <<<"$spec"
    project=$work/$board
    "$atelier" new "$project" --board "$board" --lang c --template "$template" >/dev/null
    cp "$project/atelier.yaml" "$out/fuzz-manifest/$board.yaml"
    (cd "$project" && "$atelier" build >/dev/null)
    elf=$(find "$project/.atelier/build" -name firmware.elf | head -1)
    cp "$elf" "$out/fuzz-elf/$board.elf"
    "$prefix-objcopy" --strip-all "$elf" "$out/fuzz-elf/$board-stripped.elf"
    "$prefix-objcopy" -O ihex "$elf" "$out/fuzz-ihex/$board.hex"
    "$prefix-objcopy" -O srec "$elf" "$out/fuzz-srec/$board.srec"
    "$prefix-objcopy" -O srec --srec-forceS3 "$elf" "$out/fuzz-srec/$board-s3.srec"
    "$prefix-objcopy" -O binary "$elf" "$work/$board.bin"
    base=$("$atelier" image info "$elf" --json | python3 -c 'import json,sys; print(hex(json.load(sys.stdin)["segments"][0]["address"]))')
    "$atelier" image convert "$work/$board.bin" "$out/fuzz-uf2/$board.uf2" --base "$base" --board "$board" --force >/dev/null
    "$atelier" image convert "$work/$board.bin" "$out/fuzz-uf2/$board-exact.uf2" --base "$base" --exact-blocks \
        --family 0xe48bff56 --force >/dev/null
done
# The other project languages' manifests.
for lang in cpp swift; do
    "$atelier" new "$work/m-$lang" --board bluepill --lang "$lang" --template hello >/dev/null
    cp "$work/m-$lang/atelier.yaml" "$out/fuzz-manifest/$lang.yaml"
done

# The rig and batch examples of the documentation (the batch target takes YAML, a NUL byte, then the CSV).
python3 - "$root" "$out" <<'PY'
import re, sys, zlib, struct
root, out = sys.argv[1], sys.argv[2]
def blocks(path):
    return re.findall(r"```yaml\n(.*?)```", open(path).read(), re.S)
for index, text in enumerate(blocks(f"{root}/docs/test-rigs.md") + blocks(f"{root}/README.md")):
    if "slots:" in text:
        open(f"{out}/fuzz-rig/doc-{index}.yaml", "w").write(text)
csv = "serial,adc_offset,adc_gain\nAT-2026-000001,12,0.998\nAT-2026-000002,-3,1.002\n"
for index, text in enumerate(blocks(f"{root}/docs/provisioning.md")):
    if "identity:" in text:
        open(f"{out}/fuzz-batch/doc-{index}.bin", "wb").write(text.encode() + b"\0" + csv.encode())
        minimal = re.sub(r"\n  (mac|key|values|address):.*", "", text)
        open(f"{out}/fuzz-batch/minimal-{index}.bin", "wb").write(minimal.encode())
# Identity blocks as IdentityBlock.encoded() lays them out (docs/provisioning.md).
def block(records):
    payload = b"".join(bytes([tag, len(value)]) + value for tag, value in records)
    header = b"ATID" + struct.pack("<HHI", 1, 16, len(payload))
    body = header + struct.pack("<I", zlib.crc32(header + payload)) + payload
    return body + b"\xff" * (-len(body) % 16)
serial = (0x01, b"AT-2026-000001")
mac = (0x02, bytes.fromhex("02a700000001"))
p256 = [(0x10, bytes(range(32))), (0x11, b"\x04" + bytes(range(64)))]
ed = [(0x12, bytes(range(32))), (0x13, bytes(range(32, 64)))]
value = (0x20, bytes([10]) + b"adc_offset" + b"12")
for name, records in {"serial": [serial], "mac": [serial, mac], "p256": [serial, mac] + p256 + [value],
                      "ed25519": [serial] + ed + [value, value]}.items():
    open(f"{out}/fuzz-identity/{name}.bin", "wb").write(block(records))
PY
for target in "$out"/*/; do echo "$(basename "$target"): $(ls "$target" | wc -l) seeds"; done
