#include "pipeline/card_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <variant>

#include "codecs/ffmpeg/image_reader.h"
#include "overlays/card.h"
#include "overlays/card_renderer.h"
#include "overlays/card_stage.h"
#include "overlays/money_format.h"
#include "pipeline/api_support.h"
#include "pipeline/card_json.h"
#include "transport/hls/catalog.h"
#include "transport/hls/stream.h"

namespace strait::pipeline {

namespace fs = std::filesystem;
namespace http = transport::http;
using json = nlohmann::json;
using api::ErrorResponse;
using api::FromStatus;
using api::JsonResponse;
using api::ReadFile;
using api::SplitPath;
using api::ValidId;
using api::WriteFileAtomically;
using overlays::Card;
using overlays::WallTime;

namespace {

// ---- The service ----

struct StoredCard {
  json body;  // as stored: the fields the client gave (merged by PATCH), without "id"
  std::shared_ptr<const Card> card;  // parsed from body
  bool shown = true;
  // From the stream's counter (StreamCards::counter), so never reused, not even by a card deleted
  // and created again (the stage tells changes by revision) or across restarts (ETags).
  uint64_t revision = 1;  // content changes (PUT, PATCH)
  uint64_t version = 1;   // any change (ETag)
  WallTime shown_at{};    // the last show
  WallTime hidden_at{};   // the last hide
};

struct StoredImage {
  fs::path path;
  Frame rgba;
};

struct StreamCards {
  std::string name;
  std::shared_ptr<overlays::CardStage> stage;
  std::map<std::string, StoredCard> cards;
  std::map<std::string, StoredImage> images;
  uint64_t counter = 0;  // the last revision or version handed out (persisted)
  // Decode thread only (OnEvent): the ranges open now, "card#revision" → range id.
  std::map<std::string, std::string> open_ranges;
  uint64_t next_range = 0;
};

class CardServiceImpl final : public CardService {
 public:
  CardServiceImpl(CardServiceOptions options,
                  const Clock& clock,
                  transport::hls::Catalog* catalog,
                  std::shared_ptr<spdlog::logger> logger)
      : opts_(std::move(options)), clock_(clock), catalog_(catalog), logger_(std::move(logger)) {}

  void AddStream(const std::string& name) {
    auto s = std::make_unique<StreamCards>();
    s->name = name;
    s->stage = std::make_shared<overlays::CardStage>(
        name, clock_, logger_,
        opts_.per_rendition ? overlays::CardRenderMode::kPerRendition
                            : overlays::CardRenderMode::kSource);
    StreamCards* raw = s.get();
    s->stage->SetEventSink([this, raw](const overlays::CardEvent& e) { OnEvent(*raw, e); });
    Load(*s);
    Publish(*s);
    streams_.emplace(name, std::move(s));
  }

  std::shared_ptr<overlays::CardStage> Stage(const std::string& stream) const override {
    auto it = streams_.find(stream);
    return it == streams_.end() ? nullptr : it->second->stage;
  }

  void SetLiveProbe(std::function<bool(const std::string&)> probe) override {
    std::lock_guard lock(mu_);
    live_ = std::move(probe);
  }

  void SetChangeObserver(std::function<void(const CardChange&)> observer) override {
    observer_ = std::move(observer);  // before ingest: no decode thread reads it yet
  }

  void Handle(const http::Request& req, http::Reply reply) override {
    // "Bearer" in any case (RFC 7235 2.1: the scheme is case-insensitive), one or more spaces.
    std::string_view auth = req.Header("authorization");
    constexpr std::string_view kBearer = "bearer";
    const bool bearer = auth.size() > kBearer.size() &&
                        std::equal(kBearer.begin(), kBearer.end(), auth.begin(),
                                   [](char a, char b) {
                                     return a == (b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
                                   }) &&
                        auth[kBearer.size()] == ' ';
    if (bearer) {
      auth.remove_prefix(kBearer.size());
      while (!auth.empty() && auth.front() == ' ')
        auth.remove_prefix(1);
    }
    if (!bearer || !TokenEquals(auth)) {
      reply(ErrorResponse({401, "",
                           auth.empty() ? "missing Authorization: Bearer <api.token>"
                           : !bearer    ? "expected Authorization: Bearer <api.token>"
                                        : "wrong API token"}));
      return;
    }
    std::lock_guard lock(mu_);
    reply(Route(req));
  }

  std::pair<int, std::string> Put(const std::string& stream,
                                   const std::string& id,
                                   const std::string& body) override {
    http::Request req;
    req.method = "PUT";
    req.path = "/api/v1/streams/" + stream + "/cards/" + id;
    req.target = req.path;
    req.body = body;
    req.headers.emplace_back("Content-Type", "application/json");
    std::lock_guard lock(mu_);
    const http::Response r = Route(req);
    return {r.status, r.body ? std::string(r.body->begin(), r.body->end()) : ""};
  }

 private:
  bool TokenEquals(std::string_view given) const {
    // Constant time in the token's length.
    const std::string& t = opts_.token;
    unsigned diff = given.size() != t.size();
    for (size_t i = 0; i < t.size(); ++i)
      diff |= static_cast<unsigned char>(t[i]) ^
              static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    return diff == 0;
  }

  static http::Response MethodNotAllowed(const char* allow) {
    auto r = ErrorResponse({405, "", std::string("allowed: ") + allow});
    r.headers.emplace_back("Allow", allow);
    return r;
  }

  http::Response Route(const http::Request& req) {
    const std::vector<std::string> p = SplitPath(req.path);  // api v1 streams {name} ...
    if (p.size() < 3 || p[0] != "api" || p[1] != "v1" || p[2] != "streams")
      return ErrorResponse({404, "", "no such API resource: " + req.path});
    if (p.size() == 3) {
      if (req.method != "GET" && req.method != "HEAD")
        return MethodNotAllowed("GET");
      json list = json::array();
      for (const auto& [name, s] : streams_) {
        list.push_back({{"name", name},
                        {"live", live_ ? live_(name) : false},
                        {"cards", s->cards.size()}});
      }
      return JsonResponse(200, {{"streams", list}});
    }
    auto it = streams_.find(p[3]);
    if (it == streams_.end())
      return ErrorResponse({404, "", "no stream named '" + p[3] + "'"});
    StreamCards& s = *it->second;
    if (p.size() >= 5 && p[4] == "cards") {
      if (p.size() == 5) {
        if (req.method != "GET" && req.method != "HEAD")
          return MethodNotAllowed("GET");
        json list = json::array();
        for (const auto& [id, c] : s.cards)
          list.push_back(CardJson(id, c));
        return JsonResponse(200, {{"cards", list}});
      }
      const std::string& id = p[5];
      if (!ValidId(id))
        return ErrorResponse({404, "id", "card ids are 1-64 of A-Z a-z 0-9 - _"});
      if (p.size() == 6)
        return CardRoute(req, s, id);
      if (p.size() == 7 && (p[6] == "show" || p[6] == "hide")) {
        if (req.method != "POST")
          return MethodNotAllowed("POST");
        return ShowHide(s, id, p[6] == "show");
      }
    }
    if (p.size() >= 5 && p[4] == "images") {
      if (p.size() == 5) {
        if (req.method != "GET" && req.method != "HEAD")
          return MethodNotAllowed("GET");
        json list = json::array();
        for (const auto& [id, img] : s.images)
          list.push_back({{"id", id}, {"width", img.rgba.width()}, {"height", img.rgba.height()}});
        return JsonResponse(200, {{"images", list}});
      }
      if (p.size() == 6)
        return ImageRoute(req, s, p[5]);
    }
    return ErrorResponse({404, "", "no such API resource: " + req.path});
  }

  json CardJson(const std::string& id, const StoredCard& c) const {
    json j = c.body;
    j["id"] = id;
    j["shown"] = c.shown;
    j["revision"] = c.revision;
    j["visible"] = overlays::VisibilityAt(*Staged(c), clock_.WallNow()).visible;
    return j;
  }

  static std::string ETag(const StoredCard& c) { return "\"v" + std::to_string(c.version) + "\""; }

  http::Response CardReply(int status, const std::string& id, const StoredCard& c) const {
    auto r = JsonResponse(status, CardJson(id, c));
    r.headers.emplace_back("ETag", ETag(c));
    return r;
  }

  // The body as JSON, or the refusal.
  std::variant<json, ApiError> ParseBody(const http::Request& req) const {
    if (req.body.size() > opts_.max_json_bytes) {
      return ApiError{413, "", "card JSON over " + std::to_string(opts_.max_json_bytes) + " bytes"};
    }
    // JSON, or no type, or curl -d's default (application/x-www-form-urlencoded): the body is
    // read as JSON. Anything else (text/plain, multipart/form-data) is a mistake worth naming.
    const std::string_view type = req.Header("content-type");
    if (!type.empty() && type.find("json") == std::string_view::npos &&
        type.find("x-www-form-urlencoded") == std::string_view::npos)
      return ApiError{415, "", "send the card as application/json"};
    json j;
    try {
      j = json::parse(req.body);
    } catch (const json::parse_error& e) {
      // nlohmann's message says where ("... at line 1, column 32: ..."), without our names.
      std::string why = e.what();
      if (const size_t at = why.find("parse error"); at != std::string::npos)
        why.erase(0, at);
      return ApiError{400, "", "malformed JSON: " + why};
    } catch (const json::exception&) {
      return ApiError{400, "", "malformed JSON"};
    }
    if (!j.is_object())
      return ApiError{422, "", "a card must be a JSON object"};
    return j;
  }

  // Parses and checks `body` as card `id`: fields, Card::Validate, and a trial render at 1080p
  // (text that does not fit, a card off the frame).
  std::variant<std::shared_ptr<const Card>, ApiError> Check(StreamCards& s,
                                                           const std::string& id,
                                                           const json& body) {
    auto card = std::make_shared<Card>();
    card->id = id;
    const ImageLookup images = [&](const std::string& image) -> Result<Frame> {
      auto it = s.images.find(image);
      if (it == s.images.end())
        return Error("no image '" + image + "' was uploaded to this stream (PUT .../images/" +
                     image + ")");
      return it->second.rgba;
    };
    if (auto e = CardFromJson(body, images, *card))
      return *e;
    if (Status v = card->Validate(); !v.ok())
      return FromStatus(422, v.error());
    auto renderer = overlays::CardRenderer::Create(*card);
    if (!renderer.ok())
      return FromStatus(422, renderer.error());
    for (auto [w, h] : {std::pair{1920, 1080}, {1280, 720}}) {
      auto bitmap = (*renderer)->RenderAt(w, h, clock_.WallNow());
      if (!bitmap.ok())
        return FromStatus(422, bitmap.error());
    }
    return std::shared_ptr<const Card>(std::move(card));
  }

  http::Response CardRoute(const http::Request& req, StreamCards& s, const std::string& id) {
    auto found = s.cards.find(id);
    if (req.method == "GET" || req.method == "HEAD") {
      if (found == s.cards.end())
        return ErrorResponse({404, "", "no card '" + id + "' on stream '" + s.name + "'"});
      return CardReply(200, id, found->second);
    }
    if (req.method == "DELETE") {
      if (found == s.cards.end())
        return ErrorResponse({404, "", "no card '" + id + "' on stream '" + s.name + "'"});
      s.cards.erase(found);
      Publish(s);
      Save(s);
      http::Response r;
      r.status = 204;
      r.cache_control = "no-store";
      return r;
    }
    if (req.method != "PUT" && req.method != "PATCH")
      return MethodNotAllowed("GET, PUT, PATCH, DELETE");
    if (found == s.cards.end() && req.method == "PATCH")
      return ErrorResponse({404, "", "no card '" + id + "' to patch (PUT creates one)"});
    if (const std::string_view match = req.Header("if-match");
        !match.empty() && match != "*" &&
        (found == s.cards.end() || match != ETag(found->second))) {
      return ErrorResponse({412, "", "the card changed since (If-Match)"});
    }
    if (found == s.cards.end() && s.cards.size() >= opts_.max_cards) {
      return ErrorResponse({409, "", "stream '" + s.name + "' already has " +
                                         std::to_string(opts_.max_cards) + " cards (the limit)"});
    }
    auto parsed = ParseBody(req);
    if (auto* e = std::get_if<ApiError>(&parsed))
      return ErrorResponse(*e);
    json body = std::get<json>(std::move(parsed));
    if (req.method == "PATCH") {
      json merged = found->second.body;
      MergePatch(merged, body);
      body = std::move(merged);
    }
    if (body.contains("id")) {
      if (!body["id"].is_string() || body["id"].get<std::string>() != id)
        return ErrorResponse({422, "id", "differs from the id in the URL ('" + id + "')"});
      body.erase("id");
    }
    auto checked = Check(s, id, body);
    if (auto* e = std::get_if<ApiError>(&checked))
      return ErrorResponse(*e);
    const WallTime now = clock_.WallNow();
    const bool created = found == s.cards.end();
    StoredCard& c = s.cards[id];
    const bool was_shown = !created && c.shown;
    std::optional<bool> shown;
    if (body.contains("shown")) {
      shown = body["shown"].get<bool>();
      body.erase("shown");
    }
    // Only content is a new revision (a new date range): a PUT or PATCH that changes nothing but
    // "shown" is a show or hide, as POST …/show and …/hide are.
    c.version = ++s.counter;
    if (created || body != c.body)
      c.revision = c.version;
    c.card = std::get<std::shared_ptr<const Card>>(std::move(checked));
    if (shown)
      c.shown = *shown;
    else if (created)
      c.shown = true;
    c.body = std::move(body);
    if (c.shown && !was_shown)
      c.shown_at = now;
    else if (!c.shown && was_shown)
      c.hidden_at = now;
    Publish(s);
    Save(s);
    return CardReply(created ? 201 : 200, id, c);
  }

  http::Response ShowHide(StreamCards& s, const std::string& id, bool show) {
    auto found = s.cards.find(id);
    if (found == s.cards.end())
      return ErrorResponse({404, "", "no card '" + id + "' on stream '" + s.name + "'"});
    StoredCard& c = found->second;
    if (c.shown != show) {
      c.shown = show;
      (show ? c.shown_at : c.hidden_at) = clock_.WallNow();
      c.version = ++s.counter;
      Publish(s);
      Save(s);
    }
    return CardReply(200, id, c);
  }

  http::Response ImageRoute(const http::Request& req, StreamCards& s, const std::string& id) {
    if (!ValidId(id))
      return ErrorResponse({404, "id", "image ids are 1-64 of A-Z a-z 0-9 - _"});
    auto found = s.images.find(id);
    if (req.method == "DELETE") {
      if (found == s.images.end())
        return ErrorResponse({404, "", "no image '" + id + "' on stream '" + s.name + "'"});
      for (const auto& [card_id, c] : s.cards) {
        if (c.body.contains("image") && c.body["image"] == id)
          return ErrorResponse({409, "image", "card '" + card_id + "' uses image '" + id + "'"});
      }
      std::error_code ec;
      fs::remove(found->second.path, ec);
      s.images.erase(found);
      http::Response r;
      r.status = 204;
      r.cache_control = "no-store";
      return r;
    }
    if (req.method == "GET" || req.method == "HEAD") {
      if (found == s.images.end())
        return ErrorResponse({404, "", "no image '" + id + "' on stream '" + s.name + "'"});
      return JsonResponse(200, {{"id", id},
                                {"width", found->second.rgba.width()},
                                {"height", found->second.rgba.height()}});
    }
    if (req.method != "PUT")
      return MethodNotAllowed("GET, PUT, DELETE");
    if (req.body.size() > opts_.max_image_bytes) {
      return ErrorResponse({413, "image", "images are limited to " +
                                              std::to_string(opts_.max_image_bytes) + " bytes"});
    }
    const std::string& b = req.body;
    const bool png = b.size() > 8 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
    const bool jpeg = b.size() > 3 && b.compare(0, 3, "\xff\xd8\xff") == 0;
    if (!png && !jpeg)
      return ErrorResponse({415, "image", "only PNG and JPEG images are accepted"});
    if (found == s.images.end() && s.images.size() >= opts_.max_images) {
      return ErrorResponse({409, "image", "stream '" + s.name + "' already has " +
                                              std::to_string(opts_.max_images) + " images"});
    }
    const fs::path dir = ImagesDir(s);
    const fs::path path = dir / (id + (png ? ".png" : ".jpg"));
    const fs::path trial = dir / (id + ".upload" + (png ? ".png" : ".jpg"));
    if (!WriteFileAtomically(trial, b))
      return ErrorResponse({500, "", "cannot store the image under " + dir.string()});
    const int64_t side = opts_.max_image_side;
    auto rgba = ffmpeg::ReadImageRgba(trial.string(), side * side);
    std::error_code ec;
    if (!rgba.ok() || rgba->width() > side || rgba->height() > side) {
      fs::remove(trial, ec);
      std::string why = rgba.ok() ? "" : rgba.error().message();
      // The decoder names the file it read: not the client's business.
      for (size_t at; (at = why.find(trial.string())) != std::string::npos;)
        why.erase(at, trial.string().size() +
                          (why.compare(at + trial.string().size(), 2, ": ") == 0 ? 2 : 0));
      return ErrorResponse({422, "image",
                            rgba.ok() ? "images are limited to " + std::to_string(side) + "x" +
                                            std::to_string(side) + " pixels"
                                      : "cannot decode the image (a truncated or corrupt PNG or "
                                        "JPEG?): " +
                                            why});
    }
    if (found != s.images.end() && found->second.path != path)
      fs::remove(found->second.path, ec);
    fs::rename(trial, path, ec);
    const bool created = found == s.images.end();
    s.images[id] = StoredImage{path, *rgba};
    // Cards showing this image pick up the new picture.
    bool changed = false;
    for (auto& [card_id, c] : s.cards) {
      if (c.body.contains("image") && c.body["image"] == id) {
        auto copy = std::make_shared<Card>(*c.card);
        copy->image = *rgba;
        c.card = std::move(copy);
        c.revision = c.version = ++s.counter;
        changed = true;
      }
    }
    if (changed) {
      Publish(s);
      Save(s);
    }
    return JsonResponse(created ? 201 : 200,
                        {{"id", id}, {"width", rgba->width()}, {"height", rgba->height()}});
  }

  // The card as the stage draws it: show/hide calls become show_at/hide_at (the fade starts at
  // the call); a scheduled show_at/hide_at of the card itself still applies.
  std::shared_ptr<const Card> Staged(const StoredCard& c) const {
    auto card = std::make_shared<Card>(*c.card);
    if (c.shown) {
      if (!card->show_at || *card->show_at < c.shown_at)
        card->show_at = c.shown_at;
    } else {
      const WallTime gone = c.hidden_at + std::chrono::milliseconds(card->animation.out_ms);
      if (!card->hide_at || *card->hide_at > gone)
        card->hide_at = gone;
      if (card->show_at && *card->show_at >= *card->hide_at)
        card->show_at = *card->hide_at - std::chrono::milliseconds(1);
    }
    return card;
  }

  // Hands the stream's cards to its stage (from the next picture on).
  void Publish(StreamCards& s) {
    std::vector<overlays::StagedCard> staged;
    const WallTime now = clock_.WallNow();
    for (const auto& [id, c] : s.cards) {
      // A card hidden (and faded out) a while ago is not drawn again: leave it out.
      if (!c.shown && now > c.hidden_at + std::chrono::milliseconds(c.card->animation.out_ms) +
                                std::chrono::seconds(1))
        continue;
      staged.push_back({Staged(c), c.revision});
    }
    s.stage->SetCards(std::move(staged));
  }

  // ---- Timed metadata: the stage's events become EXT-X-DATERANGE tags ----

  void OnEvent(StreamCards& s, const overlays::CardEvent& e) {
    const std::string range_id = UpdateDateRanges(s, e);
    if (observer_) {
      observer_({s.name, e.kind == overlays::CardEvent::Kind::kShown, e.card, e.revision,
                 e.media_90k, range_id});
    }
  }

  // Opens or closes the change's EXT-X-DATERANGE; its ID ("" without a catalog or a range).
  std::string UpdateDateRanges(StreamCards& s, const overlays::CardEvent& e) {
    if (!catalog_)
      return "";
    const std::shared_ptr<transport::hls::Stream> stream = catalog_->Find(s.name);
    if (!stream)
      return "";
    // Only the stream's decode thread calls this: open_ranges and next_range need no lock.
    const std::string key = e.card->id + "#" + std::to_string(e.revision);
    if (e.kind == overlays::CardEvent::Kind::kHidden) {
      auto it = s.open_ranges.find(key);
      if (it == s.open_ranges.end())
        return "";
      const std::string id = it->second;
      stream->EndDateRange(id, e.media_90k);
      s.open_ranges.erase(it);
      return id;
    }
    transport::hls::DateRange range;
    range.id = "card-" + e.card->id + "-" +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  clock_.WallNow().time_since_epoch())
                                  .count()) +
               "-" + std::to_string(++s.next_range);
    range.class_name = "com.strait.card";
    range.start_90k = e.media_90k;
    range.attributes = DateRangeAttributes(*e.card, e.revision);
    s.open_ranges[key] = range.id;
    const std::string id = range.id;
    stream->AddDateRange(std::move(range));
    return id;
  }

  static std::vector<std::pair<std::string, std::string>> DateRangeAttributes(const Card& c,
                                                                              uint64_t revision) {
    std::vector<std::pair<std::string, std::string>> a;
    static const char* kTemplates[] = {"product", "countdown", "banner"};
    a.emplace_back("X-CARD-ID", c.id);
    a.emplace_back("X-REVISION", std::to_string(revision));
    a.emplace_back("X-TEMPLATE", kTemplates[static_cast<int>(c.kind)]);
    a.emplace_back("X-LOCALE", c.locale);
    if (!c.title.empty())
      a.emplace_back("X-TITLE", c.title);
    if (!c.subtitle.empty())
      a.emplace_back("X-SUBTITLE", c.subtitle);
    if (!c.price.amount.empty()) {
      a.emplace_back("X-PRICE", c.price.amount);
      a.emplace_back("X-CURRENCY", c.price.currency);
      if (auto text = overlays::FormatMoney(c.price.amount, c.price.currency, c.locale); text.ok())
        a.emplace_back("X-PRICE-TEXT", *text);
    }
    if (c.original_price)
      a.emplace_back("X-ORIGINAL-PRICE", c.original_price->amount);
    if (!c.discount_label.empty())
      a.emplace_back("X-DISCOUNT", c.discount_label);
    if (c.stock_left)
      a.emplace_back("X-STOCK-LEFT", std::to_string(*c.stock_left));
    if (c.countdown_to)
      a.emplace_back("X-COUNTDOWN-TO", FormatRfc3339(*c.countdown_to));
    if (!c.qr.empty())
      a.emplace_back("X-URL", c.qr);
    return a;
  }

  // ---- Persistence: DATA_DIR/cards/{stream}.json and DATA_DIR/cards/{stream}/images/ ----

  fs::path CardsFile(const StreamCards& s) const {
    return fs::path(opts_.data_dir) / "cards" / (s.name + ".json");
  }
  fs::path ImagesDir(const StreamCards& s) const {
    return fs::path(opts_.data_dir) / "cards" / s.name / "images";
  }

  void Save(const StreamCards& s) {
    json cards = json::array();
    for (const auto& [id, c] : s.cards)
      cards.push_back({{"id", id},
                       {"card", c.body},
                       {"shown", c.shown},
                       {"revision", c.revision},
                       {"version", c.version}});
    const std::string text = json{{"cards", cards}, {"counter", s.counter}}.dump(
                                 2, ' ', false, json::error_handler_t::replace) +
                             "\n";
    if (!WriteFileAtomically(CardsFile(s), text))
      logger_->warn("stream {}: cannot save cards to {}", s.name, CardsFile(s).string());
  }

  void Load(StreamCards& s) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(ImagesDir(s), ec)) {
      const fs::path& path = entry.path();
      const std::string ext = path.extension().string();
      if ((ext != ".png" && ext != ".jpg") || path.stem().string().find('.') != std::string::npos)
        continue;
      const int64_t side = opts_.max_image_side;
      auto rgba = ffmpeg::ReadImageRgba(path.string(), side * side);
      if (!rgba.ok()) {
        logger_->warn("stream {}: skipping image {}: {}", s.name, path.string(),
                      rgba.error().message());
        continue;
      }
      s.images[path.stem().string()] = StoredImage{path, *rgba};
    }
    const fs::path file = CardsFile(s);
    if (!fs::exists(file, ec))
      return;
    // A file that does not parse, or cards in it that do not, are kept aside (the next save
    // would overwrite them) and the log says where and why.
    auto keep_aside = [&](const std::string& why) {
      const fs::path aside = file.string() + ".unread-" +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                clock_.WallNow().time_since_epoch())
                                                .count());
      std::error_code rename_ec;
      fs::copy_file(file, aside, fs::copy_options::overwrite_existing, rename_ec);
      logger_->warn("stream {}: {}: {}; a copy is kept as {}", s.name, file.string(), why,
                    rename_ec ? "(cannot copy: " + rename_ec.message() + ")" : aside.string());
    };
    json saved;
    try {
      saved = json::parse(ReadFile(file));
    } catch (const json::exception& e) {
      keep_aside(std::string("not a card file (") + e.what() + "); starting without its cards");
      return;
    }
    if (!saved.is_object() || !saved.contains("cards") || !saved["cards"].is_array()) {
      keep_aside("not a card file (no \"cards\" array); starting without its cards");
      return;
    }
    auto number = [](const json& j, const char* key, uint64_t fallback) {
      return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : fallback;
    };
    s.counter = number(saved, "counter", 0);
    size_t skipped = 0;
    const WallTime now = clock_.WallNow();
    for (const json& item : saved["cards"]) {
      if (!item.is_object() || !item.contains("id") || !item["id"].is_string() ||
          !item.contains("card")) {
        ++skipped;
        logger_->warn("stream {}: skipping a saved card without an id or a card", s.name);
        continue;
      }
      const std::string id = item["id"].get<std::string>();
      auto checked = ValidId(id) ? Check(s, id, item["card"])
                                 : std::variant<std::shared_ptr<const Card>, ApiError>(
                                       ApiError{422, "id", "bad id"});
      if (auto* e = std::get_if<ApiError>(&checked)) {
        logger_->warn("stream {}: skipping saved card '{}': {}{}{}", s.name, id, e->field,
                      e->field.empty() ? "" : ": ", e->message);
        ++skipped;
        continue;
      }
      StoredCard c;
      c.body = item["card"];
      c.card = std::get<std::shared_ptr<const Card>>(std::move(checked));
      c.shown =
          item.contains("shown") && item["shown"].is_boolean() ? item["shown"].get<bool>() : true;
      c.revision = number(item, "revision", 1);
      c.version = number(item, "version", c.revision);
      s.counter = std::max({s.counter, c.revision, c.version});
      c.shown_at = now - std::chrono::milliseconds(c.card->animation.in_ms);  // no fade again
      c.hidden_at = now - std::chrono::hours(1);
      s.cards.emplace(id, std::move(c));
    }
    if (skipped > 0)
      keep_aside(std::to_string(skipped) + " saved card(s) could not be restored");
    if (!s.cards.empty())
      logger_->info("stream {}: {} saved cards restored", s.name, s.cards.size());
  }

  const CardServiceOptions opts_;
  const Clock& clock_;
  transport::hls::Catalog* catalog_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<std::string, std::unique_ptr<StreamCards>> streams_;  // fixed after Create
  std::mutex mu_;  // serialises API calls (guards the StreamCards' cards and images)
  std::function<bool(const std::string&)> live_;
  // Set before ingest starts (SetChangeObserver), then read by decode threads only.
  std::function<void(const CardChange&)> observer_;
};

}  // namespace

Result<std::unique_ptr<CardService>> CardService::Create(CardServiceOptions options,
                                                         const std::vector<std::string>& streams,
                                                         const Clock& clock,
                                                         transport::hls::Catalog* catalog,
                                                         std::shared_ptr<spdlog::logger> logger) {
  if (options.token.empty())
    return Error("card API: no token");
  auto service = std::make_unique<CardServiceImpl>(
      std::move(options), clock, catalog, logger ? std::move(logger) : spdlog::default_logger());
  for (const std::string& name : streams)
    service->AddStream(name);
  return std::unique_ptr<CardService>(std::move(service));
}

}  // namespace strait::pipeline
