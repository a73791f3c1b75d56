#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace strait::test {

BackgroundProcess::BackgroundProcess(const std::string& command, const std::string& log_path)
    : log_path_(log_path) {
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    if (devnull >= 0)
      ::dup2(devnull, 0);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

int BackgroundProcess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status_))
    return WEXITSTATUS(status_);
  return 128 + WTERMSIG(status_);
}

void BackgroundProcess::Signal(int sig) {
  if (pid_ > 0 && !exited_)
    ::kill(-pid_, sig);
}

bool BackgroundProcess::running() {
  return Wait(std::chrono::milliseconds(0)) == -1;
}

std::string BackgroundProcess::Log() const {
  return ReadFile(log_path_);
}

CommandResult RunCommand(const std::string& command, std::chrono::milliseconds timeout) {
  TempDir dir;
  BackgroundProcess p(command, dir.File("out.log"));
  CommandResult result;
  result.exit_code = p.Wait(timeout);
  if (result.exit_code == -1)
    p.Signal(SIGKILL);
  result.output = p.Log();
  return result;
}

bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null 2>&1").exit_code == 0;
}

std::string HttpResult::Header(const std::string& name) const {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  const std::string want = lower(name) + ":";
  for (const std::string& line : Lines(headers)) {
    if (lower(line).rfind(want, 0) == 0) {
      std::string v = line.substr(want.size());
      while (!v.empty() && (v.front() == ' '))
        v.erase(v.begin());
      while (!v.empty() && (v.back() == '\r' || v.back() == ' '))
        v.pop_back();
      return v;
    }
  }
  return "";
}

HttpResult HttpFetch(const std::string& url, const std::string& method) {
  TempDir dir;
  const std::string method_flag = method == "HEAD" ? "-I" : "-X " + method;
  CommandResult r = RunCommand("curl -s -g --max-time 20 " + method_flag + " -D " + dir.File("h") +
                               " -o " + dir.File("b") + " -w '%{http_code}' '" + url + "'");
  HttpResult out;
  out.status = std::atoi(r.output.c_str());
  out.headers = ReadFile(dir.File("h"));
  out.body = ReadFile(dir.File("b"));
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "strait-test-XXXXXX").string();
  path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty())
    std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string StraitBinary() {
  const char* b = std::getenv("STRAIT_BINARY");
  return b ? b : "build/strait";
}

}  // namespace strait::test
