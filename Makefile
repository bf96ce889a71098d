# atelier: `make demo` shows it working, `make test` runs everything. Both install what is missing first.
SHELL := /bin/bash
SWIFT_BUILD_FLAGS ?=
ATELIER := .build/debug/atelier
RIG := .build/debug/atelier-rig

# Debian packages the build, the tests and the demo need (cross-compilers, peers as judges, emulators).
APT_PACKAGES := pkg-config python3 postgresql libusb-1.0-0-dev libumockdev-dev umockdev libunicorn-dev \
	gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi picolibc-arm-none-eabi \
	gcc-avr binutils-avr avr-libc gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf picolibc-riscv64-unknown-elf \
	dfu-util stlink-tools openocd avrdude qemu-system-arm ninja-build cmake time libxml2-utils python3-pip

# The JUnit schema the rig tests validate `atelier test --junit` against: the Jenkins xunit plugin's junit-10.xsd,
# taken at set-up time from the pytest source distribution (which ships it for its own JUnit tests), pinned by hash.
JUNIT_XSD := .deps/junit-10.xsd
JUNIT_XSD_SOURCE := pytest==8.3.4 --hash=sha256:965370d062bce11e73868e0335abac31b4d3de0e82f4007408d242b4f8610761

.PHONY: deps debian-packages build test test-asan test-tsan fuzz demo boards-table bench clean

deps: debian-packages $(JUNIT_XSD)

debian-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(JUNIT_XSD): | debian-packages
	@echo "fetching $@ from the $(firstword $(JUNIT_XSD_SOURCE)) source distribution"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && echo "$(JUNIT_XSD_SOURCE)" > "$$tmp/requirements.txt" && \
	python3 -m pip download --quiet --no-deps --no-binary pytest --require-hashes -r "$$tmp/requirements.txt" \
		-d "$$tmp" && \
	mkdir -p $(@D) && tar -xzf "$$tmp"/pytest-*.tar.gz --wildcards -O '*/testing/example_scripts/junit-10.xsd' \
		> "$$tmp/junit-10.xsd" && mv "$$tmp/junit-10.xsd" $@

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

test: build
	swift test $(SWIFT_BUILD_FLAGS)
	$(MAKE) test-asan test-tsan

# The unit tests once more under AddressSanitizer, in a scratch folder of their own (nothing reused from .build).
# Skipped: the suites that run a program under atelier-rig or umockdev's LD_PRELOAD (the CLI's rig, fault and error
# catalogue tests, the peers, the USB handle tests the rig re-runs): ASan's runtime must come first in a process's
# library list and the preload puts libumockdev-preload there, so an instrumented atelier under the rig cannot start.
# Also skipped: VirtualRigTests, the emulator's own tests, which load libunicorn with RTLD_DEEPBIND (CUnicorn/shim.h,
# to keep its private GLib apart), a flag ASan's runtime refuses. Leak checking is off: Foundation's Process and
# GLib keep process-lifetime allocations that LeakSanitizer reports, and an instrumented atelier run by a test would
# exit non-zero for them.
ASAN_SKIP := UnderRig|UnderUmockdev|FlashFaultTests|ErrorCatalogueTests|PeerTests|USBDeviceHandleRigTests|VirtualRigTests
test-asan: deps
	ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --scratch-path .build-asan --skip '$(ASAN_SKIP)'

# The parallel parts under ThreadSanitizer: the flash pipelines (reader and writer threads), rig slots and their
# leases, provisioning stations sharing one ledger in-process, the console watchers. The CLI suites are left out for
# the same LD_PRELOAD reason as under ASan.
TSAN_FILTER := ^(FlashTests|RigTests|ProvisioningTests|ProgrammersTests)\.
test-tsan: deps
	swift test --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_FILTER)'

# libFuzzer over every parser (Fuzz/README.md): `make fuzz SECONDS=600` runs each target that long, two at a time.
SECONDS ?= 60
fuzz: build
	ATELIER=$(ATELIER) Fuzz/run.sh $(SECONDS)

demo: build
	@echo "== atelier boards list"; $(ATELIER) boards list
	@echo; echo "== atelier boards show stm32f4-discovery"; $(ATELIER) boards show stm32f4-discovery
	@demo=$$(mktemp -d)/hello-swift; \
	echo; echo "== atelier new $$demo --board netduinoplus2 --lang swift --template hello"; \
	$(ATELIER) new $$demo --board netduinoplus2 --lang swift --template hello && \
	echo && echo "== atelier build" && (cd $$demo && $(CURDIR)/$(ATELIER) build) && \
	echo && echo "== atelier image convert firmware.elf firmware.hex, then atelier image info firmware.hex" && \
	(cd $$demo/.atelier/build/netduinoplus2/debug && $(CURDIR)/$(ATELIER) image convert firmware.elf demo.hex --force && \
		$(CURDIR)/$(ATELIER) image info demo.hex --board netduinoplus2) && \
	echo && echo "== atelier run --qemu --expect 'Hello from netduinoplus2'" && \
	(cd $$demo && $(CURDIR)/$(ATELIER) run --qemu --expect 'Hello from netduinoplus2' --timeout 30) && \
	echo && echo "== atelier-rig exec --device dfuse:netduinoplus2 -- atelier flash   (the virtual ROM bootloader)" && \
	(cd $$demo && $(CURDIR)/$(RIG) exec --time-scale 0 --device dfuse:netduinoplus2 -- $(CURDIR)/$(ATELIER) flash)
	@demo=$$(mktemp -d)/hello-bluepill; \
	echo; echo "== atelier new $$demo --board bluepill --lang swift --template hello"; \
	$(ATELIER) new $$demo --board bluepill --lang swift --template hello && \
	echo && echo "== atelier-rig exec --device stlink:bluepill -- atelier run --expect 'Hello from bluepill'" && \
	echo "   (builds, flashes over the virtual ST-Link, resets, serves semihosting)" && \
	(cd $$demo && $(CURDIR)/$(RIG) exec --time-scale 0 --device stlink:bluepill --console /dev/null -- \
		$(CURDIR)/$(ATELIER) run --expect 'Hello from bluepill' --timeout 30)
	@demo=$$(mktemp -d)/widget; boards="$(foreach i,1 2 3 4 5,--device stlink:bluepill:serial=DEMOPROVISION0000000000$(i))"; \
	echo; echo "== atelier new $$demo --board bluepill --template provisioned, then atelier build"; \
	$(ATELIER) new $$demo --board bluepill --template provisioned > /dev/null && \
	(cd $$demo && $(CURDIR)/$(ATELIER) build > /dev/null) && \
	echo && echo "== atelier-rig exec (5 virtual Blue Pills) -- atelier provision batch.yaml --parallel 5" && \
	(cd $$demo && $(CURDIR)/$(RIG) exec --time-scale 0 --state state $$boards -- \
		$(CURDIR)/$(ATELIER) provision batch.yaml --parallel 5 --station demo 2> /dev/null) && \
	echo && echo "== atelier-rig exec -- atelier run --expect 'serial AT-'   (the firmware reads its identity block)" && \
	(cd $$demo && $(CURDIR)/$(RIG) exec --time-scale 0 --state state $$boards --console /dev/null -- \
		$(CURDIR)/$(ATELIER) run --probe DEMOPROVISION00000000001 --expect 'serial AT-[0-9-]+' --timeout 30) && \
	echo && echo "== atelier provision report batch.yaml" && \
	(cd $$demo && $(CURDIR)/$(ATELIER) provision report batch.yaml)

# Regenerates the boards table in README.md from Boards/ (a test fails when it is stale).
boards-table: build
	$(ATELIER) boards list --update-readme README.md

# Every benchmark runs atelier and the peer it must beat side by side in one run; each writes its section under
# Benchmarks/results/ and BENCHMARKS.md is their concatenation. The static Swift runtime halves atelier's start-up,
# which is most of a no-op build.
bench: deps
	swift build -c release --static-swift-stdlib --product atelier $(SWIFT_BUILD_FLAGS)
	swift build -c release --product atelier-rig $(SWIFT_BUILD_FLAGS)
	mkdir -p Benchmarks/results
	python3 Benchmarks/bench.py .build/release/atelier --runs 7 --out Benchmarks/results/build.md
	python3 Benchmarks/flash_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig --runs 3 \
		--out Benchmarks/results/flash-dfuse.md
	python3 Benchmarks/stlink_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig --runs 3 \
		--out Benchmarks/results/flash-stlink.md
	python3 Benchmarks/cmsisdap_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig --runs 3 \
		--out Benchmarks/results/flash-cmsis-dap.md
	python3 Benchmarks/usbasp_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig --runs 3 \
		--out Benchmarks/results/flash-usbasp.md
	python3 Benchmarks/testrig_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig \
		--out Benchmarks/results/test-rig.md
	python3 Benchmarks/provision_bench.py --atelier .build/release/atelier --rig .build/release/atelier-rig --runs 3 \
		--out Benchmarks/results/provisioning.md
	{ echo "# Benchmarks"; echo; echo "Produced by \`make bench\`; each table compares atelier with a peer in the same run."; \
		for f in Benchmarks/results/*.md; do echo; cat $$f; done; } > BENCHMARKS.md

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz .atelier .deps
