// q8_0/q4_0 matmul weights repacked for the decode GEMV and the prefill GEMM (simd/gemv_packed.cc,
// simd/gemm_quant.cc), as llama.cpp repacks quantized weights for its CPU kernels. A weight is
// packed once per process and shared by every plan that binds it (concurrent sessions of one model
// hold one copy); the copy lives while some plan holds it (BindContext::plan_resources). The file's
// bytes stay mapped for the other paths (embedding lookups, Vulkan); the copy costs the weight's
// size in anonymous memory. ANVIL_CPU_REPACK=0 in the environment turns packing off (decode then
// reads the file's layout, prefill packs each chunk as it goes).
#pragma once

#include <cstdint>
#include <memory>

#include "base/aligned_buffer.h"
#include "executors/cpu/kernel.h"

namespace anvil::cpu {

struct PackedWeight {
  AlignedBuffer bytes;
  int64_t strip_bytes = 0;  // per 16 rows
};

// The packed form of the [rows, k] weight `w`, or null where decode reads the file's layout:
// not q8_0/q4_0, no packed kernel on this CPU (below AVX-512 VNNI), packing turned off, or no
// memory for the copy. Adds it to `plan_resources` when given.
std::shared_ptr<const PackedWeight> PackedForGemv(
    const CpuTensor& w, int64_t rows, int64_t k,
    std::set<std::shared_ptr<const void>>* plan_resources);

}  // namespace anvil::cpu
