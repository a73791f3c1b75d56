#include "codecs/aac/audio_specific_config.h"

#include <string>

#include "codecs/h264/bit_reader.h"

namespace strait::aac {
namespace {

using h264::BitReader;

int ReadObjectType(BitReader& br) {
  int type = static_cast<int>(br.Bits(5));
  if (type == 31)
    type = 32 + static_cast<int>(br.Bits(6));
  return type;
}

Result<int> ReadSampleRate(BitReader& br) {
  const int index = static_cast<int>(br.Bits(4));
  if (index == 15) {
    const int rate = static_cast<int>(br.Bits(24));
    if (rate == 0)
      return Error("asc: explicit sampling frequency 0");
    return rate;
  }
  const int rate = SampleRateFromIndex(index);
  if (rate == 0)
    return Error("asc: reserved sampling frequency index " + std::to_string(index));
  return rate;
}

}  // namespace

int SampleRateFromIndex(int index) {
  static constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                     22050, 16000, 12000, 11025, 8000,  7350};
  return index >= 0 && index < 13 ? kRates[index] : 0;
}

int AudioSpecificConfig::channels() const {
  static constexpr int kChannels[8] = {0, 1, 2, 3, 4, 5, 6, 8};
  if (channel_config >= 0 && channel_config < 8)
    return kChannels[channel_config];
  return channel_config == 11 ? 7 : (channel_config == 12 || channel_config == 14) ? 8 : 0;
}

Result<AudioSpecificConfig> ParseAudioSpecificConfig(std::span<const uint8_t> asc) {
  if (asc.size() < 2)
    return Error("asc: too short");
  BitReader br(asc);
  AudioSpecificConfig c;
  c.object_type = ReadObjectType(br);
  if (c.object_type == 0)
    return Error("asc: audio object type 0");
  Result<int> rate = ReadSampleRate(br);
  if (!rate)
    return rate.error();
  c.sample_rate = *rate;
  c.channel_config = static_cast<int>(br.Bits(4));
  c.core_object_type = c.object_type;
  if (c.object_type == 5 || c.object_type == 29) {
    Result<int> ext = ReadSampleRate(br);
    if (!ext)
      return ext.error().Context("asc: extension");
    c.extension_sample_rate = *ext;
    c.core_object_type = ReadObjectType(br);
    if (c.core_object_type == 0)
      return Error("asc: core audio object type 0");
  }
  if (br.overrun())
    return Error("asc: truncated");
  return c;
}

bool SameConfiguration(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  auto x = ParseAudioSpecificConfig(a);
  auto y = ParseAudioSpecificConfig(b);
  return x.ok() && y.ok() && x->object_type == y->object_type && x->sample_rate == y->sample_rate &&
         x->channel_config == y->channel_config &&
         x->extension_sample_rate == y->extension_sample_rate;
}

}  // namespace strait::aac
