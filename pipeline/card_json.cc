#include "pipeline/card_json.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace strait::pipeline {

using json = nlohmann::json;
using overlays::Card;
using overlays::WallTime;


std::optional<WallTime> ParseRfc3339(const std::string& s) {
  // The n digits at `at` as a number; -1 where anything else is there (a sign, a space).
  auto digits = [&s](size_t at, size_t n) {
    if (at + n > s.size())
      return -1;
    int v = 0;
    for (size_t k = at; k < at + n; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(s[k])))
        return -1;
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  const int h = digits(11, 2), mi = digits(14, 2), sec = digits(17, 2);
  if (std::min({y, mo, d, h, mi, sec}) < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  // The years system_clock's nanoseconds hold with room to spare (it ends in 2262).
  if (!ymd.ok() || y < kMinRfc3339Year || y > kMaxRfc3339Year || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  size_t i = 19;
  int64_t micros = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits) {
      if (digits < 6)
        micros = micros * 10 + (s[i] - '0');
    }
    if (digits == 0)
      return std::nullopt;
    for (; digits < 6; ++digits)
      micros *= 10;
  }
  int offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    const int oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  const auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + microseconds(micros) -
                 minutes(offset_min);
  return time_point_cast<system_clock::duration>(t);
}

std::string FormatRfc3339(WallTime t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t);
  const auto days = floor<std::chrono::days>(ms);
  const year_month_day ymd{days};
  const hh_mm_ss hms{ms - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

namespace {

class CardReader {
 public:
  explicit CardReader(const ImageLookup& images) : images_(images) {}

  std::optional<ApiError> Read(const json& j, Card& c) {
    if (!j.is_object())
      return Fail("", "a card must be a JSON object");
    static const std::set<std::string> kFields = {
        "id",    "template",     "title",     "subtitle", "price",    "original_price",
        "discount_label", "image", "countdown_to", "stock_left", "qr", "locale", "position",
        "theme", "animation", "show_at", "hide_at", "shown"};
    for (const auto& [k, v] : j.items()) {
      if (!kFields.count(k))
        return Fail(k, "unknown field");
    }
    if (auto e = Str(j, "template", [&](const std::string& s) -> std::optional<ApiError> {
          auto t = overlays::ParseCardTemplate(s);
          if (!t.ok())
            return Fail("template", t.error().message());
          c.kind = *t;
          return std::nullopt;
        }))
      return e;
    for (auto [name, out] : {std::pair{"title", &c.title}, {"subtitle", &c.subtitle},
                             {"discount_label", &c.discount_label}, {"qr", &c.qr},
                             {"locale", &c.locale}}) {
      if (auto e = Str(j, name, [&, out = out](const std::string& s) {
            *out = s;
            return std::optional<ApiError>();
          }))
        return e;
    }
    if (auto e = ReadMoney(j, "price", c.price))
      return e;
    if (j.contains("original_price") && !j["original_price"].is_null()) {
      c.original_price.emplace();
      if (auto e = ReadMoney(j, "original_price", *c.original_price))
        return e;
    }
    if (auto e = Str(j, "image", [&](const std::string& id) -> std::optional<ApiError> {
          if (id.empty())
            return std::nullopt;
          auto frame = images_(id);
          if (!frame.ok())
            return Fail("image", frame.error().message());
          c.image = *frame;
          return std::nullopt;
        }))
      return e;
    for (auto [name, out] : {std::pair{"countdown_to", &c.countdown_to}, {"show_at", &c.show_at},
                             {"hide_at", &c.hide_at}}) {
      if (auto e = Str(j, name, [&, name = name, out = out](const std::string& s) {
            auto t = ParseRfc3339(s);
            if (!t)
              return std::optional<ApiError>(
                  Fail(name, "\"" + s +
                                 "\" is not an RFC 3339 time such as 2026-12-03T20:00:00Z (years " +
                                 std::to_string(kMinRfc3339Year) + "-" +
                                 std::to_string(kMaxRfc3339Year) + ")"));
            *out = *t;
            return std::optional<ApiError>();
          }))
        return e;
    }
    if (j.contains("stock_left") && !j["stock_left"].is_null()) {
      const json& v = j["stock_left"];
      if (!v.is_number_integer())
        return Fail("stock_left", "must be a whole number");
      if (v.get<int64_t>() < 0 || v.get<int64_t>() > 1'000'000'000)
        return Fail("stock_left", "must be between 0 and 1000000000");
      c.stock_left = v.get<int>();
    }
    if (j.contains("shown") && !j["shown"].is_boolean())
      return Fail("shown", "must be true or false");
    if (auto e = ReadPosition(j, c))
      return e;
    if (auto e = ReadTheme(j, c))
      return e;
    if (auto e = ReadAnimation(j, c))
      return e;
    return std::nullopt;
  }

 private:
  static ApiError Fail(std::string field, std::string message) {
    return ApiError{422, std::move(field), std::move(message)};
  }

  template <typename F>
  std::optional<ApiError> Str(const json& j, const std::string& name, F&& f,
                              const std::string& prefix = "") {
    if (!j.contains(name) || j[name].is_null())
      return std::nullopt;
    if (!j[name].is_string())
      return Fail(prefix + name, "must be a string");
    return f(j[name].get<std::string>());
  }

  std::optional<ApiError> Object(const json& j, const std::string& name,
                                 const std::set<std::string>& fields) {
    const json& o = j[name];
    if (!o.is_object())
      return Fail(name, "must be an object");
    for (const auto& [k, v] : o.items()) {
      if (!fields.count(k))
        return Fail(name + "." + k, "unknown field");
    }
    return std::nullopt;
  }

  std::optional<ApiError> Number(const json& o, const std::string& path, const char* key,
                                 double& out) {
    if (!o.contains(key))
      return std::nullopt;
    if (!o[key].is_number())
      return Fail(path + "." + key, "must be a number");
    out = o[key].get<double>();
    return std::nullopt;
  }

  std::optional<ApiError> ReadMoney(const json& j, const std::string& name, overlays::Money& m) {
    if (!j.contains(name) || j[name].is_null())
      return std::nullopt;
    if (auto e = Object(j, name, {"amount", "currency"}))
      return e;
    const json& o = j[name];
    if (!o.contains("amount") || !o["amount"].is_string())
      return Fail(name + ".amount", "must be a decimal string such as \"19.99\"");
    if (!o.contains("currency") || !o["currency"].is_string())
      return Fail(name + ".currency", "must be an ISO 4217 code such as \"USD\"");
    m.amount = o["amount"].get<std::string>();
    m.currency = o["currency"].get<std::string>();
    return std::nullopt;
  }

  std::optional<ApiError> ReadPosition(const json& j, Card& c) {
    if (!j.contains("position") || j["position"].is_null())
      return std::nullopt;
    if (auto e = Object(j, "position", {"anchor", "margin_x", "margin_y"}))
      return e;
    const json& o = j["position"];
    if (auto e = Str(
            o, "anchor",
            [&](const std::string& s) -> std::optional<ApiError> {
              auto a = overlays::ParseAnchor(s);
              if (!a.ok())
                return Fail("position.anchor", a.error().message());
              c.position.anchor = *a;
              return std::nullopt;
            },
            "position."))
      return e;
    if (auto e = Number(o, "position", "margin_x", c.position.margin_x))
      return e;
    return Number(o, "position", "margin_y", c.position.margin_y);
  }

  std::optional<ApiError> ReadTheme(const json& j, Card& c) {
    if (!j.contains("theme") || j["theme"].is_null())
      return std::nullopt;
    if (auto e = Object(j, "theme",
                        {"background", "text", "accent", "corner_radius", "font_size"}))
      return e;
    const json& o = j["theme"];
    for (auto [name, out] : {std::pair{"background", &c.theme.background},
                             {"text", &c.theme.text}, {"accent", &c.theme.accent}}) {
      if (auto e = Str(
              o, name,
              [&, name = name, out = out](const std::string& s) -> std::optional<ApiError> {
                auto hex = [&](size_t i) { return std::stoi(s.substr(i, 2), nullptr, 16); };
                if ((s.size() != 7 && s.size() != 9) || s[0] != '#' ||
                    s.find_first_not_of("0123456789abcdefABCDEF", 1) != std::string::npos)
                  return Fail(std::string("theme.") + name,
                              "\"" + s + "\" is not a colour (#RRGGBB or #RRGGBBAA)");
                *out = overlays::Rgba{static_cast<uint8_t>(hex(1)), static_cast<uint8_t>(hex(3)),
                                      static_cast<uint8_t>(hex(5)),
                                      static_cast<uint8_t>(s.size() == 9 ? hex(7) : 255)};
                return std::nullopt;
              },
              "theme."))
        return e;
    }
    if (auto e = Number(o, "theme", "corner_radius", c.theme.corner_radius))
      return e;
    return Number(o, "theme", "font_size", c.theme.font_size);
  }

  std::optional<ApiError> ReadAnimation(const json& j, Card& c) {
    if (!j.contains("animation") || j["animation"].is_null())
      return std::nullopt;
    if (auto e = Object(j, "animation", {"kind", "in_ms", "out_ms"}))
      return e;
    const json& o = j["animation"];
    if (auto e = Str(
            o, "kind",
            [&](const std::string& s) -> std::optional<ApiError> {
              auto k = overlays::ParseAnimationKind(s);
              if (!k.ok())
                return Fail("animation.kind", k.error().message());
              c.animation.kind = *k;
              return std::nullopt;
            },
            "animation."))
      return e;
    for (auto [name, out] : {std::pair{"in_ms", &c.animation.in_ms}, {"out_ms", &c.animation.out_ms}}) {
      if (!o.contains(name))
        continue;
      if (!o[name].is_number_integer() || o[name].get<int64_t>() < 0 ||
          o[name].get<int64_t>() > 10000)
        return Fail(std::string("animation.") + name, "must be a whole number of ms, 0 to 10000");
      *out = o[name].get<int>();
    }
    return std::nullopt;
  }

  const ImageLookup& images_;
};

}  // namespace

std::optional<ApiError> CardFromJson(const json& j, const ImageLookup& images, Card& card) {
  return CardReader(images).Read(j, card);
}

void MergePatch(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object())
    target = json::object();
  for (const auto& [k, v] : patch.items()) {
    if (v.is_null())
      target.erase(k);
    else
      MergePatch(target[k], v);
  }
}

}  // namespace strait::pipeline
