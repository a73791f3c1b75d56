// Test support: run real external tools (ffmpeg, ffprobe, gst-launch-1.0, curl) from tests.
// Not for production code. Each call blocks the calling test thread only.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <string>
#include <vector>

namespace strait::test {

struct CommandResult {
  int exit_code = -1;  // -1 if it could not run or was killed by the timeout
  std::string output;  // stdout + stderr
};

// Runs `/bin/sh -c command`, capturing output; kills it after `timeout`.
CommandResult RunCommand(const std::string& command,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// True if `tool` is on PATH.
bool HaveTool(const std::string& tool);

// The strait binary under test: $STRAIT_BINARY (ctest sets it), else build/strait.
std::string StraitBinary();

// A process started in the background (its own process group), output to a log file.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::string& command, const std::string& log_path);
  ~BackgroundProcess();  // kills the group if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Waits up to `timeout` for exit; returns the exit code, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  void Signal(int sig);
  bool running();
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

struct HttpResult {
  int status = 0;
  std::string headers;  // raw header block (lower-case lookups via Header())
  std::string body;
  std::string Header(const std::string& name) const;
};

// GET (or another method) with curl, a real independent client.
HttpResult HttpFetch(const std::string& url, const std::string& method = "GET");

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
std::vector<std::string> Lines(const std::string& text);

}  // namespace strait::test
