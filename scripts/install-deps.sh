#!/usr/bin/env bash
# Installs the Debian 12 packages that strait's build, tests and benchmarks need.
# Idempotent: packages already installed are skipped, and apt is not touched when nothing is missing.
# Run as root (or with sudo available). Usage: scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # media libraries (FFmpeg 5.1 libav*, x264, opus, SRT 1.5)
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  libx264-dev libopus-dev
  libsrt-gnutls-dev  # the libsrt flavour Debian's FFmpeg links (one libsrt per process)
  # C++ libraries
  libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  # rendering (product cards)
  libpango1.0-dev libcairo2-dev libharfbuzz-dev libicu-dev libqrencode-dev fonts-noto-core fonts-noto-cjk
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # independent peers used by interop tests and benchmarks
  ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav srt-tools curl
  time  # /usr/bin/time: wall, CPU and peak RSS of each contender in bench/ladder_vs_peers
  nginx-light  # the external HTTP origin push publishing PUTs to (dav module), in tests
  wrk  # HTTP load generator: bench/origin (strait vs nginx on the same files)
  # browser playback test: hls.js (npm, pinned by tests/browser/package-lock.json) in Chromium
  chromium
)
# Node.js only if the machine has none (the image may ship a newer one than Debian's).
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Browser-side JS for the playback test, exactly as locked.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -d "$browser_dir/node_modules/hls.js" ] || [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  echo "install-deps: npm ci in tests/browser"
  npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error
fi

# The operator console's hls.js (served by strait at /console; the build copies it), as locked.
console_dir="$(cd "$(dirname "$0")/.." && pwd)/pipeline/console"
if [ ! -f "$console_dir/node_modules/hls.js/dist/hls.min.js" ]; then
  echo "install-deps: npm ci in pipeline/console"
  npm ci --prefix "$console_dir" --no-audit --no-fund --loglevel=error
fi
