# atelier: `make demo` shows it working, `make test` runs everything. Both install what is missing first.
SHELL := /bin/bash
SWIFT_BUILD_FLAGS ?=
ATELIER := .build/debug/atelier

# Debian packages the build, the tests and the demo need (cross-compilers, peers as judges, emulators).
APT_PACKAGES := pkg-config python3 libusb-1.0-0-dev libumockdev-dev umockdev libunicorn-dev \
	gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi picolibc-arm-none-eabi \
	dfu-util stlink-tools openocd qemu-system-arm ninja-build cmake

.PHONY: deps build test demo boards-table bench clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

test: build
	swift test $(SWIFT_BUILD_FLAGS)

demo: build
	@echo "== atelier boards list"; $(ATELIER) boards list
	@echo; echo "== atelier boards show stm32f4-discovery"; $(ATELIER) boards show stm32f4-discovery

# Regenerates the boards table in README.md from Boards/ (a test fails when it is stale).
boards-table: build
	$(ATELIER) boards list --update-readme README.md

clean:
	rm -rf .build .atelier
