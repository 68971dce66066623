// Every CPU kernel, by op name, in one place.
#include <map>
#include <string>

#include "executors/cpu/kernel.h"

namespace anvil::cpu {

KernelFactory FindKernel(absl::string_view op) {
  static const std::map<std::string, KernelFactory, std::less<>> kKernels = {
      {"add", &BindAdd},
      {"mul", &BindMul},
      {"silu", &BindSilu},
      {"swiglu", &BindSwiglu},
      {"rms_norm", &BindRmsNorm},
      {"embedding", &BindEmbedding},
      {"linear", &BindLinear},
      {"split", &BindSplit},
      {"take_last", &BindTakeLast},
      {"rope", &BindRope},
      {"kv_cache_write", &BindKvCacheWrite},
      {"attention", &BindAttention},
      {"argmax", &BindArgmax},
      {"add_rms_norm", &BindAddRmsNorm},
      {"gate_up_swiglu", &BindGateUpSwiglu},
      {"split_rope_kv_write", &BindSplitRopeKvWrite},
  };
  auto it = kKernels.find(op);
  return it == kKernels.end() ? nullptr : it->second;
}

}  // namespace anvil::cpu
