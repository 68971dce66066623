#include "ops/registry.h"

#include <cstdlib>
#include <iostream>

#include "ops/op_defs.h"

namespace anvil {

absl::Status RegisterAllOps(OpRegistry& registry) {
  for (OpDef (*make)() : {
           // elementwise
           &AddOp, &MulOp, &SiluOp, &SwigluOp,
           // norm
           &RmsNormOp, &AddRmsNormOp,
           // linear
           &EmbeddingOp, &LinearOp, &GateUpSwigluOp,
           // shape
           &SplitOp, &ReshapeOp, &TakeLastOp,
           // rope, kv cache, attention
           &RopeOp, &SplitRopeKvWriteOp, &KvCacheWriteOp, &AttentionOp,
           // reduce
           &ArgmaxOp,
       }) {
    absl::Status status = registry.Register(make());
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

const OpRegistry& Ops() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    absl::Status status = RegisterAllOps(r);
    if (!status.ok()) {
      // A programmer error (duplicate or incomplete OpDef), not an input error.
      std::cerr << "anvil: op registry: " << status << "\n";
      std::abort();
    }
    return r;
  }();
  return registry;
}

}  // namespace anvil
