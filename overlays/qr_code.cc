#include "overlays/qr_code.h"

#include <qrencode.h>

#include <memory>
#include <string>

namespace strait::overlays {

Result<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty())
    return Error("qr: nothing to encode");
  // Byte mode keeps the URL's case; QRcode_encodeData takes a length (no NUL termination).
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!code)
    return Error("qr: libqrencode could not encode " + std::to_string(text.size()) + " bytes");
  QrMatrix m;
  m.size = code->width;
  m.dark.resize(size_t(m.size) * m.size);
  for (size_t i = 0; i < m.dark.size(); ++i)
    m.dark[i] = code->data[i] & 1;  // bit 0: dark; the other bits say what the module is for
  return m;
}

}  // namespace strait::overlays
