#include "pipeline/demo_cards.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "pipeline/card_api.h"

namespace strait::pipeline {

namespace {

struct Sample {
  const char* locale;
  const char* title;
  const char* subtitle;
  const char* currency;
  const char* amount;
  const char* original;  // may be empty
  const char* badge;
};

// One product, priced for viewers in ten markets.
const std::vector<Sample>& Samples() {
  static const std::vector<Sample> samples = {
      {"ja-JP", "赤いランニングシューズ", "本日限定セール", "JPY", "2980", "4280", "-30%"},
      {"id-ID", "Sepatu Lari Merah", "Gratis ongkir hari ini", "IDR", "299000", "429000", "-30%"},
      {"en-US", "Red Running Sneakers", "Live deal, today only", "USD", "19.99", "29.99", "-33%"},
      {"de-DE", "Rote Laufschuhe", "Nur während des Streams", "EUR", "19.99", "29.99", "-33%"},
      {"hi-IN", "लाल रनिंग जूते", "आज का खास ऑफ़र", "INR", "1499", "2199", "-32%"},
      {"zh-CN", "红色跑步鞋", "直播间专享价", "CNY", "199", "299", "-33%"},
      {"ar-SA", "حذاء جري أحمر", "عرض البث المباشر", "SAR", "149", "219", "-32%"},
      {"th-TH", "รองเท้าวิ่งสีแดง", "ราคาพิเศษวันนี้", "THB", "990", "1490", "-34%"},
      {"ko-KR", "빨간 러닝화", "라이브 특가", "KRW", "39000", "59000", "-34%"},
      {"es-MX", "Tenis rojos para correr", "Solo durante el directo", "MXN", "599", "899", "-33%"},
  };
  return samples;
}

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::function<void(int64_t gop)> DemoCardRotation(CardService& cards,
                                                  std::string stream,
                                                  int gops_per_card,
                                                  std::shared_ptr<spdlog::logger> logger) {
  gops_per_card = std::max(1, gops_per_card);
  return [&cards, stream = std::move(stream), gops_per_card, logger](int64_t gop) {
    if (gop % gops_per_card != 0)
      return;
    const int64_t n = gop / gops_per_card;
    const Sample& s = Samples()[static_cast<size_t>(n) % Samples().size()];
    nlohmann::json card = {
        {"template", "product"},
        {"title", s.title},
        {"subtitle", s.subtitle},
        {"price", {{"amount", s.amount}, {"currency", s.currency}}},
        {"discount_label", s.badge},
        {"stock_left", 50 - n % 50},
        {"qr", "https://strait.example/p/red-sneakers"},
        {"locale", s.locale},
        {"position", {{"anchor", "bottom-left"}, {"margin_x", 0.03}, {"margin_y", 0.05}}},
        {"animation", {{"kind", n == 0 ? "slide" : "fade"}, {"in_ms", 300}, {"out_ms", 300}}}};
    if (*s.original)
      card["original_price"] = {{"amount", s.original}, {"currency", s.currency}};
    auto [status, body] = cards.Put(stream, "demo-product", card.dump());
    if (status >= 300 && logger)
      logger->warn("demo: sample card ({}) refused: {}", s.locale, body);
    // A countdown to the end of the "sale", renewed when it runs out.
    if (n % 20 == 0) {
      nlohmann::json countdown = {
          {"template", "countdown"},
          {"title", "Flash sale ends in"},
          {"countdown_to", Rfc3339(std::chrono::system_clock::now() + std::chrono::minutes(5))},
          {"locale", "en-US"},
          {"position", {{"anchor", "top-right"}, {"margin_x", 0.03}, {"margin_y", 0.05}}},
          {"theme", {{"font_size", 0.03}}}};
      auto [cstatus, cbody] = cards.Put(stream, "demo-countdown", countdown.dump());
      if (cstatus >= 300 && logger)
        logger->warn("demo: countdown card refused: {}", cbody);
    }
  };
}

}  // namespace strait::pipeline
