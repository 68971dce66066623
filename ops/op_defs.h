// Every op of opset 1, one factory per op. ops/registry.cc lists them all in one place.
#pragma once

#include "graph/op_def.h"

namespace anvil {

// elementwise/
OpDef AddOp();
OpDef MulOp();
OpDef SiluOp();
OpDef SwigluOp();
// norm/
OpDef RmsNormOp();
OpDef AddRmsNormOp();  // fused
// linear/
OpDef EmbeddingOp();
OpDef LinearOp();
OpDef GateUpSwigluOp();  // fused
// shape/
OpDef SplitOp();
OpDef ReshapeOp();
OpDef TakeLastOp();
// rope/
OpDef RopeOp();
OpDef SplitRopeKvWriteOp();  // fused
// kv_cache/
OpDef KvCacheWriteOp();
// attention/
OpDef AttentionOp();
// reduce/
OpDef ArgmaxOp();

}  // namespace anvil
