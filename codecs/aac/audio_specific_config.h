// AAC AudioSpecificConfig (ISO 14496-3 1.6.2.1): audio object type (with the escape value 31),
// sampling frequency (table index or explicit 24-bit value), channel configuration, and explicit
// SBR/PS signalling (object type 5 or 29 followed by the core object type), which makes the codec
// string mp4a.40.5 / mp4a.40.29. Backward-compatible (implicit) SBR signalling is not detected.
// Untrusted input: bounds-checked, errors as Result. Pure functions, no threads.
#pragma once

#include <cstdint>
#include <span>

#include "codecs/result.h"

namespace strait::aac {

struct AudioSpecificConfig {
  int object_type = 0;       // the signalled type: 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS (HEv2)
  int core_object_type = 0;  // the core codec (2 for HE-AAC over LC); equals object_type otherwise
  int sample_rate = 0;       // core sampling frequency in Hz
  int extension_sample_rate = 0;  // SBR output rate, 0 when no SBR is signalled
  int channel_config = 0;         // 0 = defined in the PCE
  int channels() const;           // from channel_config (0 if defined elsewhere)
};

// Sampling frequency for a 4-bit index, 0 for reserved/escape values.
int SampleRateFromIndex(int index);
Result<AudioSpecificConfig> ParseAudioSpecificConfig(std::span<const uint8_t> asc);
// Whether two configurations describe the same stream (object type, rates, channels), though
// their bytes may differ: the TS ingest's 2-byte form and FFmpeg's 5-byte one with an explicit
// no-SBR extension. False when either does not parse.
bool SameConfiguration(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace strait::aac
