// Standalone driver for libFuzzer targets, so every fuzzer also runs in plain `ctest` with gcc:
// it replays the seed corpus (files under the directories given as arguments) and then a fixed
// number of deterministic mutations of those seeds. A crash or sanitizer report fails the test.
// With clang, `make fuzz` links the same targets against real libFuzzer instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::vector<uint8_t>> seeds;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i], ec)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  seeds.push_back({});
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());

  const char* env = std::getenv("STRAIT_FUZZ_RUNS");
  const int runs = env ? std::atoi(env) : 20000;
  std::mt19937 rng(12345);
  for (int r = 0; r < runs; ++r) {
    std::vector<uint8_t> buf = seeds[rng() % seeds.size()];
    const int edits = 1 + rng() % 8;
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a byte
          if (!buf.empty()) buf[rng() % buf.size()] = static_cast<uint8_t>(rng());
          break;
        case 1:  // insert a byte
          buf.insert(buf.begin() + (buf.empty() ? 0 : rng() % buf.size()), static_cast<uint8_t>(rng()));
          break;
        case 2:  // truncate
          if (!buf.empty()) buf.resize(rng() % buf.size());
          break;
        case 3:  // extreme value
          if (!buf.empty()) buf[rng() % buf.size()] = (rng() & 1) ? 0xff : 0x00;
          break;
      }
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("replayed %zu seeds and %d mutations\n", seeds.size(), runs);
  return 0;
}
