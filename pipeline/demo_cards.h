// The demo's card rotation (`strait serve --demo`): sample product cards in several locales and
// currencies — Japanese yen, Indonesian rupiah, US dollars, euros, Indian rupees, ... — replaced
// every few segments through the card API (CardService::Put, exactly what a `curl PUT` does), plus
// a countdown card, so a newcomer sees cards, their timed metadata and their updates at once.
//
// Threads: the returned function runs on the demo publisher's thread (DemoOptions::on_gop); it
// borrows the service, which must outlive the demo publisher.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace strait::pipeline {

class CardService;

// Every `gops_per_card` GOPs, the next sample card replaces card "demo-product" on `stream`.
std::function<void(int64_t gop)> DemoCardRotation(CardService& cards,
                                                  std::string stream,
                                                  int gops_per_card,
                                                  std::shared_ptr<spdlog::logger> logger);

}  // namespace strait::pipeline
