// QrMatrix: the modules of a QR code for a card's URL, from libqrencode (byte mode, error
// correction level M, the smallest version that holds the text). Drawing it is the card
// templates' job. Pure function; any thread (libqrencode is reentrant).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "codecs/result.h"

namespace strait::overlays {

struct QrMatrix {
  int size = 0;               // modules per side, without the quiet zone
  std::vector<uint8_t> dark;  // size*size, row major: 1 dark, 0 light
  bool Dark(int x, int y) const { return dark[size_t(y) * size + x] != 0; }
};

Result<QrMatrix> EncodeQr(std::string_view text);

}  // namespace strait::overlays
