// The ISA-parameterized fixture the blend tests share (blend_test.cc, blend_kernels_test.cc): one
// type for the whole test binary, instantiated once (blend_test.cc) for every table; a table the
// CPU lacks is skipped.
#pragma once

#include <gtest/gtest.h>

#include <ostream>

#include "overlays/blend.h"

namespace strait::overlays {

inline void PrintTo(Isa isa, std::ostream* os) {  // gtest's names for the parameter
  *os << IsaName(isa);
}

class BlendIsaTest : public testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam()))
      GTEST_SKIP() << "this CPU has no " << IsaName(GetParam());
  }
};

}  // namespace strait::overlays
