# strait — the two commands a newcomer needs: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
SANITIZE ?=
# `make run` publishes the demo stream (test pattern + tone) and takes OBS on `studio`; override,
# e.g. `make run RUN_ARGS="--config configs/strait.yaml"`.
RUN_ARGS ?= --demo

.PHONY: all deps build build-release run test test-asan bench fuzz format clean

all: build

deps:
	@bash scripts/install-deps.sh

# One Release build serves run, test and bench (build-asan holds the sanitizer build).
$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DSTRAIT_SANITIZE=$(SANITIZE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-release: deps
	cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DSTRAIT_SANITIZE=$(SANITIZE)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target strait

run: build-release
	$(BUILD_DIR)/strait serve $(RUN_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
# tests/lsan.supp lists leaks of system libraries (libx265) that are not strait's to fix.
test-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  $(MAKE) test BUILD_DIR=build-asan SANITIZE=address,undefined

bench: build
	@bash scripts/run-bench.sh $(BUILD_DIR)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) build-asan

# libFuzzer builds of every *_fuzzer.cc (clang), in build-fuzz/; run one with e.g.
#   build-fuzz/amf0_fuzzer -max_total_time=60 tests/fuzz/corpus/amf0_fuzzer
fuzz:
	@command -v clang++ >/dev/null || apt-get install -y --no-install-recommends clang libclang-rt-14-dev
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTRAIT_BUILD_FUZZERS=ON -DSTRAIT_BUILD_TESTS=OFF -DSTRAIT_BUILD_BENCH=OFF -DSTRAIT_CUDA=OFF
	cmake --build build-fuzz -j $(JOBS)
