// The libFuzzer targets' built-in LeakSanitizer suppressions (tests/lsan.supp's, for
// `make test-asan`): leaks inside system libraries, not strait's. fontconfig keeps its
// configuration for the process; the card API fuzzer renders cards through Pango.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\nleak:libx265.so\n";
}
