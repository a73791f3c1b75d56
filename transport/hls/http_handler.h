// The HLS delivery handler: serves GET/HEAD under /live/{name}/ from the Catalog:
//   master.m3u8                      the stream's primary master (CMAF when it has any, else TS)
//   master-ts.m3u8                   the MPEG-TS master
//   {rendition}/playlist.m3u8        media playlist; on CMAF renditions Low-Latency HLS delivery
//                                    directives: _HLS_msn=N[&_HLS_part=M] blocks until that
//                                    segment/part exists (400 when too far ahead, 503 after 3
//                                    target durations), _HLS_skip=YES|v2 answers the delta update
//   {rendition}/seg{N}.ts            MPEG-TS segment
//   {rendition}/init{K}.mp4, seg{N}.m4s, part{N}.{i}.m4s   CMAF init, segment, part; a part that
//                                    does not exist yet (the preload hint) is held like a reload
// Bodies are the shared, immutable buffers (never copied). Cache-Control per object: media
// "immutable" for a year; plain playlists 1 s; blocking responses 6 s (their URL names the
// position); 404 1 s; 400/503 no-store. Every 200 carries a strong ETag and answers
// If-None-Match with 304; media take a single Range (206/416); playlists are gzipped when
// accepted. No cookies, no per-viewer URLs: the _HLS_* query parameters are the only cache-key
// additions a CDN needs. CORS headers are added by the HTTP server, not here.
//
// Threads: called on a server strand; held requests are answered from the rendition writer's
// thread or the catalog's timer thread (Reply is thread-safe). Borrows the Catalog, which must
// outlive the handler and every held request.
#pragma once

#include "transport/hls/catalog.h"
#include "transport/http/message.h"

namespace strait::transport::hls {

// Handles paths under "/live/"; anything else gets 404.
http::Handler MakeHlsHandler(const Catalog& catalog);
void ServeHls(const Catalog& catalog, const http::Request& request, http::Reply reply);

// The same, waiting for the answer (blocks the caller while a request is held): for tests.
http::Response HandleHlsRequest(const Catalog& catalog, const http::Request& request);

}  // namespace strait::transport::hls
