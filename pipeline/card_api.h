// CardService: the live product cards of every configured stream and the control API over them
// (`/api/v1` on strait's HTTP server). Each stream has one CardStage (overlays/card_stage.h) that
// the service keeps for the stream's whole life and hands to every publish's transcode graph, so
// cards survive publisher reconnects; the cards themselves are persisted under DATA_DIR/cards/ so
// they survive a restart of strait.
//
// API (JSON; every call needs `Authorization: Bearer <api.token>`):
//   GET    /api/v1/streams                                   {"streams":[{"name","live","cards"}]}
//   GET    /api/v1/streams/{name}/cards                      {"cards":[card...]}
//   GET    /api/v1/streams/{name}/cards/{id}                 card
//   PUT    /api/v1/streams/{name}/cards/{id}                 create (201) or replace (200)
//   PATCH  /api/v1/streams/{name}/cards/{id}                 JSON merge patch (RFC 7396), 200
//   DELETE /api/v1/streams/{name}/cards/{id}                 204
//   POST   /api/v1/streams/{name}/cards/{id}/show | /hide    200, the card
//   PUT    /api/v1/streams/{name}/images/{id}                raw PNG/JPEG body, 201/200
//   GET    /api/v1/streams/{name}/images                     {"images":[{"id","width","height"}]}
//   DELETE /api/v1/streams/{name}/images/{id}                204 (409 while a card uses it)
// A card as returned is what was stored plus "id", "shown", "revision" and "visible" (drawn now).
// Errors: {"error":{"status":422,"field":"price.currency","message":"..."}} with 400 (malformed
// JSON), 401 (token), 404 (stream/card/image), 405, 409 (limits, image in use), 412 (If-Match),
// 413 (too large), 415 (not PNG/JPEG, not JSON), 422 (a field: the message names it). A refused
// call changes nothing: the stream keeps its current cards.
//
// Timing: a change is handed to the stage before the response is sent, so the first picture the
// decode thread takes after the call returns carries it. Each show/hide/update the stage reports
// becomes an EXT-X-DATERANGE (CLASS "com.strait.card") in every rendition of the stream.
//
// Threads: Handle() from any HTTP thread (one mutex serialises changes; rendering a trial card to
// check it fits happens under it, a few ms). Stage() from any thread. The service must outlive
// the transcode graphs that hold its stages' event sinks (App owns it before the registry).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/clock.h"
#include "codecs/result.h"
#include "transport/http/message.h"

namespace spdlog {
class logger;
}
namespace strait::overlays {
class CardStage;
struct Card;
}
namespace strait::transport::hls {
class Catalog;
}

namespace strait::pipeline {

struct CardServiceOptions {
  std::string data_dir = "data";  // cards in DATA_DIR/cards/{stream}.json, images beside them
  std::string token;              // required bearer token (non-empty)
  size_t max_json_bytes = 64 * 1024;
  size_t max_image_bytes = 1 << 20;  // the HTTP server's body limit answers 413 above its own
  int max_image_side = 1024;  // decoded RGBA kept in memory: at most 4 MiB an image
  size_t max_cards = 32;   // per stream
  size_t max_images = 16;  // per stream: at most 64 MiB of decoded images
  bool per_rendition = false;  // api.card_render: per_rendition (CardRenderMode::kPerRendition)
};

// A card going on or off the picture (the stage's overlays::CardEvent), as the service reports it
// to its change observer (webhooks).
struct CardChange {
  std::string stream;
  bool shown = true;  // false: hidden (taken off, hidden, or replaced by a new revision)
  std::shared_ptr<const overlays::Card> card;
  uint64_t revision = 0;
  int64_t media_90k = 0;  // the first picture with it (shown) / without it (hidden)
  // The EXT-X-DATERANGE ID the change opened (shown) or closed (hidden); empty when none.
  std::string date_range_id;
};

class CardService {
 public:
  // Loads the persisted cards of `streams` (a bad file or card is logged and skipped). Timed
  // metadata goes to the catalog's stream of the same name (may be null: none).
  static Result<std::unique_ptr<CardService>> Create(CardServiceOptions options,
                                                     const std::vector<std::string>& streams,
                                                     const Clock& clock,
                                                     transport::hls::Catalog* catalog,
                                                     std::shared_ptr<spdlog::logger> logger);
  virtual ~CardService() = default;

  // The stream's compositor stage (null for an unknown stream).
  virtual std::shared_ptr<overlays::CardStage> Stage(const std::string& stream) const = 0;
  // Answers a request under /api/v1 (exactly once, before returning).
  virtual void Handle(const transport::http::Request& request, transport::http::Reply reply) = 0;
  // Whether a stream is live, for GET /api/v1/streams (set once by the App).
  virtual void SetLiveProbe(std::function<bool(const std::string&)> probe) = 0;
  // Where every card change goes, besides the playlists' date ranges. Called on the stream's
  // decode thread (or on the thread of a publish that ends the previous one's cards): it must not
  // block nor call back into the service. Set once, before the ingest servers start.
  virtual void SetChangeObserver(std::function<void(const CardChange&)> observer) = 0;
  // The same as an authorised PUT of `json` (the demo's rotation): the status and JSON body.
  virtual std::pair<int, std::string> Put(const std::string& stream,
                                          const std::string& id,
                                          const std::string& json) = 0;
};

}  // namespace strait::pipeline
