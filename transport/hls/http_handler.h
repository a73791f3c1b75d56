// The HLS delivery handler: serves GET/HEAD for
//   /live/{name}/master.m3u8
//   /live/{name}/{rendition}/playlist.m3u8
//   /live/{name}/{rendition}/seg{N}.ts
// from the Catalog, answering synchronously on the calling server thread. Bodies are the shared,
// immutable playlist strings and segment buffers (never copied for segments). Unknown or not-live
// streams, unknown renditions/segments and malformed names get 404 (cached 1 s); other methods
// 405. Every 200 carries a strong ETag (a hash of the bytes) and answers If-None-Match with 304;
// segments also take a single-range Range (206, or 416 when unsatisfiable).
// CORS headers are added by the HTTP server, not here.
//
// The returned Handler borrows the Catalog, which must outlive it. Thread-safe.
#pragma once

#include "transport/hls/catalog.h"
#include "transport/http/message.h"

namespace strait::transport::hls {

// Handles paths under "/live/"; anything else gets 404.
http::Handler MakeHlsHandler(const Catalog& catalog);

// The same as a plain function (for tests and for servers that route themselves).
http::Response HandleHlsRequest(const Catalog& catalog, const http::Request& request);

}  // namespace strait::transport::hls
