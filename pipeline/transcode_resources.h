// What a transcode graph may spend: threads for the decoder and each rung's encoder, from the
// cores and the ladder, and the largest pictures it decodes. Pure functions (Cores reads the
// machine), any thread.
#pragma once

#include <string>

#include "codecs/track.h"

namespace strait::pipeline {

// The machine's cores (at least 1).
int Cores();

// The CPU decoder's threads when TranscoderOptions::decoder_threads (transcoder.h) is 0: the cores
// the rungs' encoders leave free, plus one, between 1 and 4. libavcodec's frame threads cost CPU
// (the 1080p bench clip: 3.8 CPU-s to decode on one thread, 4.2 with 3 frame threads) and a picture
// of latency each; where every core already has a rung's encoder to run (3 rungs, 2 cores) a single
// decode thread makes the ladder faster (bench/README.md), and more than 4 only adds latency.
int DefaultDecoderThreads(int cores, int encoded_rungs);

// A rung's encoder threads when TranscoderOptions::encoder_threads (transcoder.h) is 0: the cores
// shared evenly (at least 1), and at least 2 for the ladder's largest rung (the most pixels) where
// there are at least 2 cores. That rung's encode is the longest chain of the graph; with one thread
// per rung the kernel leaves the rungs' threads where it first placed them, and with costs as
// uneven as 720p/480p/360p (5.7/2.6/1.6 CPU-s in the bench job) one core idles while the other runs
// the 720p encoder and another (~6 % of the machine on the 2-core reference, `perf sched`). Two
// frame threads let the 720p encode use whichever core is free: the ladder job 4-5 % faster at
// the same CPU-seconds, the same bits and PSNR (bench/README.md).
int RungEncoderThreads(int cores, int encoded_rungs, bool largest);

// The largest pictures decoded: 4096x2304 (DCI 4K and UHD, either way up), by area, and no side
// over 4096. Decoding more would take hundreds of MB (8192x8192: ~100 MB a picture, several held
// by the decoder's threads).
inline constexpr int kMaxDecodeWidth = 4096, kMaxDecodeHeight = 2304;

// "8192x8192" where the track's parameter sets (or, failing those, its hints) announce a picture
// over those limits; "" otherwise.
std::string DecodeSizeOverLimit(const TrackInfo& track);

}  // namespace strait::pipeline
