// libFuzzer entry point for one codec fuzz target; meson compiles this file
// once per target with -DKVS_FUZZ_FN=<function in codec_fuzz_targets.h>.
#include "tests/fuzz/codec_fuzz_targets.h"

#ifndef KVS_FUZZ_FN
#error "KVS_FUZZ_FN must name a function of codec_fuzz_targets.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kvs_fuzz::KVS_FUZZ_FN(data, size);
}
