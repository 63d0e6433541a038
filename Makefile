# The README's two commands (`make demo`, `make test`) and the developer loop.
# Every target installs what is missing first, so a fresh Debian 12 machine
# needs nothing but this repository.
BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
BENCH_DIR   ?= build-bench
CLANG_DIR   ?= build-clang
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all bootstrap build demo test check lint fuzz bench format clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD_DIR)/build.ninja: | bootstrap
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/churnml demo --workdir demo-out

# The tracking conformance suite runs against SQLite and a real PostgreSQL
# server that scripts/with_postgres.sh starts on a free loopback port.
test: build
	bash scripts/with_postgres.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Address + undefined-behaviour sanitizer build of every test.
check: bootstrap
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCHURNML_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
	  bash scripts/with_postgres.sh ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)
	$(MAKE) lint
	$(MAKE) fuzz

# A clang build (the benchmarks included) where thread-safety violations
# (GUARDED_BY/REQUIRES, see src/common/mutex.h) are errors, then clang-tidy
# with .clang-tidy over src/, fuzz/ and bench/: any finding fails.
lint: bootstrap
	CC=clang CXX=clang++ cmake -S . -B $(CLANG_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCHURNML_THREAD_SAFETY_ERRORS=ON -DCHURNML_BUILD_BENCH=ON $(CMAKE_FLAGS)
	cmake --build $(CLANG_DIR) -j $(JOBS)
	JOBS=$(JOBS) bash scripts/lint.sh $(CLANG_DIR)

# The request decoders under libFuzzer (clang, ASan + UBSan) for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

bench: bootstrap
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHURNML_BUILD_BENCH=ON $(CMAKE_FLAGS)
	cmake --build $(BENCH_DIR) -j $(JOBS)
	bash bench/run_benchmarks.sh $(BENCH_DIR)

format:
	find src bench tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(BENCH_DIR) $(CLANG_DIR) build-fuzz
