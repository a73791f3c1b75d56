// The operator console: a static page (pipeline/console/index.html) for the host's producer — a
// low-latency preview of a stream (hls.js, served by strait itself: no CDN) and a form to pin,
// update and unpin product cards through /api/v1. The build copies the page and hls.min.js into
// ${build}/console (CMake target strait_console); this handler serves them:
//
//   GET/HEAD /console, /console/, /console/index.html  → the page (Cache-Control: no-cache)
//   GET/HEAD /console/hls.min.js                       → hls.js (max-age=3600)
//   anything else under /console                       → 404; other methods → 405
//
// Only those names are ever opened (no path from the request reaches the file system). The files
// are read per request (a page load is two reads), so a rebuilt page shows up without a restart.
// A missing file is a 404 whose text says to run scripts/install-deps.sh and rebuild.
//
// Threads: the handler is stateless and answers at once on the calling IO thread.
#pragma once

#include <filesystem>

#include "transport/http/message.h"

namespace strait::pipeline {

transport::http::Handler MakeConsoleHandler(std::filesystem::path dir);

// `console` beside the running executable (/proc/self/exe); empty if that cannot be read.
std::filesystem::path DefaultConsoleDir();

}  // namespace strait::pipeline
