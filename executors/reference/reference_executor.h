// The reference executor: runs every node with its OpDef's scalar reference kernel. Slow and
// simple; it is the oracle the other executors are compared against, on single ops and on whole
// models.
#pragma once

#include <memory>

#include "executors/executor.h"
#include "graph/op_def.h"

namespace anvil {

std::shared_ptr<Executor> MakeReferenceExecutor(const OpRegistry& registry);

}  // namespace anvil
