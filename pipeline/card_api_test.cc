// The card control API: auth, validation errors that name the field, PATCH (merge patch)
// semantics, show/hide, images, limits, and persistence across a restart (a new service on the
// same data directory). Requests go through CardService::Handle as the HTTP server hands them.
#include "pipeline/card_api.h"
#include "pipeline/api_support.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "overlays/card_stage.h"

namespace strait::pipeline {
namespace {

namespace fs = std::filesystem;
namespace http = transport::http;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kToken = "test-token-0123456789";

struct Answer {
  int status = 0;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name)
        return v;
    return "";
  }
};

// A PNG of w x h in one colour, as bytes (cairo writes it).
std::string Png(int w, int h) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t* cr = cairo_create(s);
  cairo_set_source_rgb(cr, 0.9, 0.1, 0.2);
  cairo_paint(cr);
  cairo_destroy(cr);
  std::string out;
  cairo_surface_write_to_png_stream(
      s,
      [](void* closure, const unsigned char* data, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &out);
  cairo_surface_destroy(s);
  return out;
}

const char* kSneakers = R"({
  "template": "product", "title": "赤いスニーカー", "subtitle": "限定モデル",
  "price": {"amount": "2980", "currency": "JPY"},
  "original_price": {"amount": "4280", "currency": "JPY"},
  "discount_label": "-30%", "stock_left": 12, "qr": "https://shop.example/s/1",
  "locale": "ja-JP", "position": {"anchor": "bottom-left", "margin_x": 0.03, "margin_y": 0.05},
  "theme": {"accent": "#e2233c"}, "animation": {"kind": "fade", "in_ms": 200, "out_ms": 200}
})";

class CardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("strait_card_api_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Restart();
  }
  void TearDown() override {
    service_.reset();
    fs::remove_all(dir_);
  }
  void Restart() {
    service_.reset();
    CardServiceOptions o;
    o.data_dir = dir_.string();
    o.token = kToken;
    auto s = CardService::Create(o, {"shop", "other"}, clock_, nullptr, nullptr);
    ASSERT_TRUE(s.ok()) << s.error().message();
    service_ = std::move(*s);
  }

  Answer Call(const std::string& method,
              const std::string& path,
              const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {},
              bool auth = true) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.body = body;
    req.headers = std::move(headers);
    if (auth)
      req.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    Answer a;
    int calls = 0;
    service_->Handle(req, [&](http::Response r) {
      ++calls;
      a.status = r.status;
      a.headers = r.headers;
      if (r.body && !r.body->empty())
        a.body = json::parse(std::string(r.body->begin(), r.body->end()), nullptr, false);
    });
    EXPECT_EQ(calls, 1) << "answered exactly once";
    return a;
  }
  Answer Put(const std::string& id, const std::string& body) {
    return Call("PUT", "/api/v1/streams/shop/cards/" + id, body,
                {{"Content-Type", "application/json"}});
  }
  // The field a 4xx names.
  static std::string Field(const Answer& a) { return a.body["error"].value("field", ""); }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<CardService> service_;
};

TEST_F(CardApiTest, EveryCallNeedsTheBearerToken) {
  Answer none = Call("GET", "/api/v1/streams", "", {}, false);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.Header("WWW-Authenticate").find("Bearer"), std::string::npos);
  Answer wrong = Call("GET", "/api/v1/streams", "", {{"Authorization", "Bearer nope"}}, false);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body["error"]["message"], "wrong API token");
  // The token alone, no scheme: the message says what is expected (not "wrong API token").
  Answer bare = Call("GET", "/api/v1/streams", "", {{"Authorization", kToken}}, false);
  EXPECT_EQ(bare.status, 401);
  EXPECT_EQ(bare.body["error"]["message"], "expected Authorization: Bearer <api.token>");
  Answer put = Call("PUT", "/api/v1/streams/shop/cards/a", kSneakers, {}, false);
  EXPECT_EQ(put.status, 401);
  EXPECT_FALSE(service_->Stage("shop")->active()) << "a refused call changes nothing";
  // The scheme in any case (RFC 7235).
  Answer lower = Call("GET", "/api/v1/streams", "",
                      {{"Authorization", std::string("bearer  ") + kToken}}, false);
  EXPECT_EQ(lower.status, 200);
  Answer ok = Call("GET", "/api/v1/streams");
  ASSERT_EQ(ok.status, 200);
  ASSERT_EQ(ok.body["streams"].size(), 2u);
  EXPECT_EQ(ok.body["streams"][0]["name"], "other");
}

TEST_F(CardApiTest, PutCreatesThenReplacesAndTheStageGetsIt) {
  Answer created = Put("sneakers", kSneakers);
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["id"], "sneakers");
  EXPECT_EQ(created.body["shown"], true);
  EXPECT_EQ(created.body["revision"], 1);
  EXPECT_EQ(created.body["price"]["amount"], "2980");
  EXPECT_FALSE(created.Header("ETag").empty());
  EXPECT_TRUE(service_->Stage("shop")->active());
  EXPECT_FALSE(service_->Stage("other")->active());

  Answer replaced = Put("sneakers", R"({"template":"banner","title":"Flash sale","id":"sneakers"})");
  ASSERT_EQ(replaced.status, 200) << replaced.body.dump();
  EXPECT_EQ(replaced.body["revision"], 2);
  EXPECT_FALSE(replaced.body.contains("price")) << "PUT replaces the whole card";
  Answer list = Call("GET", "/api/v1/streams/shop/cards");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["cards"].size(), 1u);
  EXPECT_EQ(list.body["cards"][0]["title"], "Flash sale");
}

TEST_F(CardApiTest, BadCardsAreRefusedNamingTheFieldAndChangeNothing) {
  ASSERT_EQ(Put("keep", kSneakers).status, 201);
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"title": "x", "price": {"amount": "1", "currency": "XYZ"}})", 422, "price.currency"},
      {R"({"title": "x", "price": {"amount": 19.99, "currency": "USD"}})", 422, "price.amount"},
      {R"({"title": "x", "price": {"amount": "1.234", "currency": "USD"}})", 422, "price.amount"},
      {R"({"title": "x", "colour": "red", "price": {"amount": "1", "currency": "USD"}})", 422,
       "colour"},
      {R"({"title": 5})", 422, "title"},
      {R"({"template": "poster", "title": "x"})", 422, "template"},
      {R"({"title": ")" + std::string(200, 'A') +
           R"(", "price": {"amount": "1", "currency": "USD"}})",
       422, "title"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "position": {"margin_x": 0.9}})",
       422, "position.margin_x"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "position": {"anchor": "middle"}})",
       422, "position.anchor"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "image": "missing"})", 422,
       "image"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "theme": {"text": "blue"}})",
       422, "theme.text"},
      {R"({"template": "countdown", "title": "Ends in", "countdown_to": "tomorrow"})", 422,
       "countdown_to"},
      {R"({"template": "countdown", "title": "Ends in"})", 422, "countdown_to"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "stock_left": -1})", 422,
       "stock_left"},
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "locale": "xx-!!"})", 422,
       "locale"},
      {R"({"id": "other", "title": "x", "price": {"amount": "1", "currency": "USD"}})", 422, "id"},
      {R"({"title": "x"})", 422, "price"},  // a product card without a price
      {R"j({"title": "x", "price": {"amount": "1", "currency": "USD"}, "qr": "javascript:alert(1)"})j",
       422, "qr"},
      // Too big for the frame: the renderer's error names the field, not "card bad: ...".
      {R"({"title": "x", "price": {"amount": "1", "currency": "USD"}, "theme": {"font_size": 0.15},
           "position": {"margin_y": 0.45}})",
       422, "position"},
      {R"({"title": "x",)", 400, ""},
      {R"([1, 2])", 422, ""},
      {R"({"title": ")" + std::string(70000, 'a') + R"("})", 413, ""},
  };
  for (const Case& c : cases) {
    Answer a = Put("bad", c.body);
    EXPECT_EQ(a.status, c.status) << c.body.substr(0, 120) << " → " << a.body.dump();
    EXPECT_EQ(Field(a), c.field) << c.body.substr(0, 120) << " → " << a.body.dump();
    EXPECT_FALSE(a.body["error"].value("message", "").empty());
    if (!c.field.empty()) {
      EXPECT_NE(a.body["error"].value("message", "").rfind(c.field + ":", 0), 0u)
          << "the field is not repeated in the message: " << a.body.dump();
    }
  }
  Answer wrong_type = Call("PUT", "/api/v1/streams/shop/cards/bad", kSneakers,
                           {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
  // curl -d without -H 'Content-Type: application/json' sends form-urlencoded: read as JSON.
  EXPECT_EQ(Call("PUT", "/api/v1/streams/shop/cards/curl", kSneakers,
                 {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            201);
  ASSERT_EQ(Call("DELETE", "/api/v1/streams/shop/cards/curl").status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/bad").status, 404);
  Answer list = Call("GET", "/api/v1/streams/shop/cards");
  ASSERT_EQ(list.body["cards"].size(), 1u) << "the stream keeps its current cards";
  EXPECT_EQ(list.body["cards"][0]["id"], "keep");
  EXPECT_EQ(Call("PUT", "/api/v1/streams/nope/cards/a", kSneakers).status, 404);
  EXPECT_EQ(Call("PUT", "/api/v1/streams/shop/cards/bad%20id!", kSneakers).status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/streams/shop/cards/keep", kSneakers).status, 405);
  // A path that is not UTF-8 (found by card_api_fuzzer): still a JSON 404, not an exception.
  Answer bytes = Call("GET", "/api/v1/streams/\xff\xfe/cards");
  EXPECT_EQ(bytes.status, 404);
  EXPECT_EQ(bytes.body["error"]["status"], 404);
}

TEST_F(CardApiTest, PatchMergesAndIfMatchGuardsConcurrentEdits) {
  Answer created = Put("sneakers", kSneakers);
  ASSERT_EQ(created.status, 201);
  const std::string etag = created.Header("ETag");
  Answer patched = Call("PATCH", "/api/v1/streams/shop/cards/sneakers",
                        R"({"stock_left": 3, "subtitle": null, "theme": {"text": "#101010"}})");
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["stock_left"], 3);
  EXPECT_FALSE(patched.body.contains("subtitle")) << "null removes a field (RFC 7396)";
  EXPECT_EQ(patched.body["title"], "赤いスニーカー") << "other fields stay";
  EXPECT_EQ(patched.body["theme"]["accent"], "#e2233c") << "objects merge";
  EXPECT_EQ(patched.body["theme"]["text"], "#101010");
  EXPECT_EQ(patched.body["revision"], 2);
  // A PATCH that breaks the card is refused whole.
  Answer bad = Call("PATCH", "/api/v1/streams/shop/cards/sneakers",
                    R"({"stock_left": 1, "price": {"currency": "EUR", "amount": "x"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Field(bad), "price.amount");
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/sneakers").body["stock_left"], 3);
  // The old ETag no longer matches.
  Answer stale = Call("PATCH", "/api/v1/streams/shop/cards/sneakers", R"({"stock_left": 2})",
                      {{"If-Match", etag}});
  EXPECT_EQ(stale.status, 412);
  Answer fresh = Call("PATCH", "/api/v1/streams/shop/cards/sneakers", R"({"stock_left": 2})",
                      {{"If-Match", patched.Header("ETag")}});
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(Call("PATCH", "/api/v1/streams/shop/cards/none", R"({"stock_left": 2})").status, 404);
}

TEST_F(CardApiTest, ShowHideAndDelete) {
  Answer created = Put("s", kSneakers);
  ASSERT_EQ(created.status, 201);
  // A PATCH of "shown" alone hides as POST …/hide does: no new revision (no second date range).
  Answer patched = Call("PATCH", "/api/v1/streams/shop/cards/s", R"({"shown": false})");
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(patched.body["shown"], false);
  EXPECT_EQ(patched.body["revision"], created.body["revision"]);
  EXPECT_NE(patched.Header("ETag"), created.Header("ETag"));
  ASSERT_EQ(Call("PATCH", "/api/v1/streams/shop/cards/s", R"({"shown": true})").status, 200);
  clock_.Advance(1s);
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/s").body["visible"], true);
  Answer hidden = Call("POST", "/api/v1/streams/shop/cards/s/hide");
  ASSERT_EQ(hidden.status, 200);
  EXPECT_EQ(hidden.body["shown"], false);
  clock_.Advance(300ms);  // past the 200 ms fade out
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/s").body["visible"], false);
  Answer shown = Call("POST", "/api/v1/streams/shop/cards/s/show");
  EXPECT_EQ(shown.body["shown"], true);
  clock_.Advance(300ms);
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/s").body["visible"], true);
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/s/show").status, 405);
  EXPECT_EQ(Call("DELETE", "/api/v1/streams/shop/cards/s").status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/streams/shop/cards/s").status, 404);
  EXPECT_FALSE(service_->Stage("shop")->active());
  // Created hidden.
  Answer later = Put("later", R"({"title": "Soon", "template": "banner", "shown": false})");
  ASSERT_EQ(later.status, 201);
  EXPECT_EQ(later.body["shown"], false);
  EXPECT_EQ(later.body["visible"], false);
}

TEST_F(CardApiTest, ImagesUploadValidateAndStayInUse) {
  const std::string png = Png(120, 90);
  Answer up = Call("PUT", "/api/v1/streams/shop/images/shoe", png, {{"Content-Type", "image/png"}});
  ASSERT_EQ(up.status, 201) << up.body.dump();
  EXPECT_EQ(up.body["width"], 120);
  Answer gif = Call("PUT", "/api/v1/streams/shop/images/g", "GIF89a....",
                    {{"Content-Type", "image/gif"}});
  EXPECT_EQ(gif.status, 415);
  EXPECT_EQ(Field(gif), "image");
  std::string broken = png.substr(0, 40);
  EXPECT_EQ(Call("PUT", "/api/v1/streams/shop/images/b", broken).status, 422);
  // A header declaring 16000x16000 is refused on what it declares, before any decoding.
  std::string huge = png;
  huge.replace(16, 8, std::string("\x00\x00\x3e\x80\x00\x00\x3e\x80", 8));
  Answer declared = Call("PUT", "/api/v1/streams/shop/images/huge", huge);
  EXPECT_EQ(declared.status, 422);
  EXPECT_NE(declared.body.dump().find("declares 16000x16000"), std::string::npos)
      << declared.body.dump();
  EXPECT_EQ(Call("PUT", "/api/v1/streams/shop/images/big", std::string(2 << 20, '\x89')).status,
            413);
  json card = json::parse(kSneakers);
  card["image"] = "shoe";
  ASSERT_EQ(Put("s", card.dump()).status, 201);
  Answer in_use = Call("DELETE", "/api/v1/streams/shop/images/shoe");
  EXPECT_EQ(in_use.status, 409);
  Answer images = Call("GET", "/api/v1/streams/shop/images");
  ASSERT_EQ(images.body["images"].size(), 1u);
}

// What the HTTP server refuses itself under /api/ (a body over its limit: an image over the
// image limit) is a JSON error in the API's shape, naming the field; elsewhere plain text.
TEST(ApiRefusalTest, RefusalsUnderTheApiAreJsonErrors) {
  auto image =
      ApiRefusal(413, "/api/v1/streams/shop/images/shoe?x=1", "request body over 9 bytes", 1 << 20);
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->status, 413);
  ASSERT_TRUE(image->body);
  json body = json::parse(std::string(image->body->begin(), image->body->end()));
  EXPECT_EQ(body["error"]["field"], "image");
  EXPECT_EQ(body["error"]["message"], "images are limited to 1048576 bytes");
  auto card = ApiRefusal(413, "/api/v1/streams/shop/cards/a", "request body over 9 bytes", 1);
  ASSERT_TRUE(card.has_value() && card->body);
  body = json::parse(std::string(card->body->begin(), card->body->end()));
  EXPECT_EQ(body["error"]["message"], "request body over 9 bytes");
  EXPECT_FALSE(body["error"].contains("field"));
  EXPECT_EQ(ApiRefusal(429, "/api/v1/streams", "request rate over limit", 1)->status, 429);
  EXPECT_FALSE(ApiRefusal(413, "/live/shop/master.m3u8", "x", 1).has_value());
}

TEST_F(CardApiTest, CardsAndImagesSurviveARestart) {
  ASSERT_EQ(Call("PUT", "/api/v1/streams/shop/images/shoe", Png(64, 64)).status, 201);
  json card = json::parse(kSneakers);
  card["image"] = "shoe";
  ASSERT_EQ(Put("s", card.dump()).status, 201);
  ASSERT_EQ(Put("h", R"({"title": "Hidden", "template": "banner", "shown": false})").status, 201);
  Answer patched = Call("PATCH", "/api/v1/streams/shop/cards/s", R"({"stock_left": 5})");
  ASSERT_EQ(patched.status, 200);
  const json revision = patched.body["revision"];
  const std::string etag = patched.Header("ETag");
  Restart();
  Answer list = Call("GET", "/api/v1/streams/shop/cards");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["cards"].size(), 2u) << list.body.dump();
  Answer s = Call("GET", "/api/v1/streams/shop/cards/s");
  EXPECT_EQ(s.body["stock_left"], 5);
  EXPECT_EQ(s.body["image"], "shoe");
  EXPECT_EQ(s.body["revision"], revision);
  EXPECT_EQ(s.Header("ETag"), etag)
      << "the version survives too: an old If-Match cannot match new content";
  EXPECT_EQ(s.body["visible"], true) << "shown at once after a restart, no fade again";
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards/h").body["shown"], false);
  EXPECT_TRUE(service_->Stage("shop")->active());
  // A card deleted and made again gets a revision never used before (the stage tells changes
  // by revision: a reused one kept drawing the old card).
  ASSERT_EQ(Call("DELETE", "/api/v1/streams/shop/cards/h").status, 204);
  Answer again = Put("h", R"({"title": "Again", "template": "banner"})");
  ASSERT_EQ(again.status, 201);
  EXPECT_GT(again.body["revision"].get<uint64_t>(), revision.get<uint64_t>());
  // A wrongly typed value in the saved file skips nothing and crashes nothing (it aborted the
  // server at start).
  service_.reset();
  {
    std::ifstream in(dir_ / "cards" / "shop.json");
    json saved = json::parse(in);
    saved["cards"][0]["shown"] = "yes";
    saved["cards"][0]["revision"] = "20";
    std::ofstream(dir_ / "cards" / "shop.json") << saved.dump();
  }
  Restart();
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards").body["cards"].size(), 2u);
  // A corrupt card file loses its cards with a log line, not the server, and is kept aside for
  // the operator (the next save would overwrite it).
  service_.reset();
  {
    std::ofstream(dir_ / "cards" / "shop.json") << "{not json";
  }
  Restart();
  EXPECT_EQ(Call("GET", "/api/v1/streams/shop/cards").body["cards"].size(), 0u);
  size_t kept = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "cards"))
    kept += e.path().filename().string().starts_with("shop.json.unread-");
  EXPECT_EQ(kept, 1u);
}

TEST(ApiTokenTest, ConfiguredWinsElseOneIsMadeOnceAndKept) {
  const fs::path dir = fs::temp_directory_path() / ("strait_token_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  EXPECT_EQ(*ApiToken("configured-token-123456", dir.string()), "configured-token-123456");
  auto made = ApiToken("", dir.string());
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->size(), 32u);
  EXPECT_EQ(*ApiToken("", dir.string()), *made);
  EXPECT_EQ(fs::status(dir / "api.token").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace strait::pipeline
