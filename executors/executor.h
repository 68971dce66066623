// The interface every executor implements, and what a compiled step looks like to its caller.
//
// An Executor turns a verified graph plus a Specialization (tokens per step T, KV capacity C)
// into a Plan: shapes, memory and kernels decided once; Run() then executes one step and
// allocates nothing. States (the KV caches) live in a StateStore owned by the Session, so every
// plan of a session (prefill T > 1, decode T = 1) reads and writes the same caches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"

namespace anvil {

struct Specialization {
  int64_t tokens = 1;    // T
  int64_t capacity = 0;  // C
};

// A graph output after a step, in host memory (valid until the next Run of the same plan; the
// dims for the plan's lifetime: taking a view allocates nothing).
struct HostView {
  DType dtype = DType::kF32;
  absl::Span<const int64_t> dims;
  const void* data = nullptr;
};

class Plan {
 public:
  virtual ~Plan() = default;
  // Copies the bytes of graph input `index` for the next Run (sizes must match exactly).
  virtual absl::Status SetInput(int index, const void* data, size_t bytes) = 0;
  // Capture: binds every kernel to its buffers (CPU) or records the whole step into a command
  // buffer (Vulkan) once. Run() replays the capture -- it allocates, records and resolves nothing;
  // per-step values (the position) come through a step-state buffer. Compile() leaves a plan
  // uncaptured; Run() captures on first use.
  virtual absl::Status Capture() = 0;
  virtual bool captured() const = 0;
  virtual void ReleaseCapture() = 0;
  // Runs one step whose T tokens sit at positions position .. position + T - 1 of the KV cache,
  // replaying the capture.
  virtual absl::Status Run(int64_t position) = 0;
  // Runs one step the eager way, binding or recording every kernel for this step alone (the
  // baseline a capture is measured against). The capture is neither used nor changed.
  virtual absl::Status RunEager(int64_t position) = 0;
  // Greedy decoding without the host in the loop: runs the next T = 1 step with the argmax the
  // previous step of this plan produced as its input, at the position after it. On Vulkan the id
  // and the position move on the device and the host only submits. Needs a captured T = 1 plan
  // whose graph outputs `next_token`.
  virtual bool supports_feedback() const { return false; }
  virtual absl::Status RunFeedback() { return absl::UnimplementedError("this executor has no device-side feedback"); }
  // Host time of the last Run/RunEager before it waited for the device: the submit cost.
  virtual double last_host_seconds() const { return 0; }
  // Graph output `index` as of the last Run.
  virtual absl::StatusOr<HostView> Output(int index) = 0;
  virtual const Specialization& specialization() const = 0;
  // Bytes of the activation arena this plan uses.
  virtual int64_t arena_bytes() const = 0;
  // Kernel launches (dispatches) and barriers one step records.
  virtual int64_t dispatches() const = 0;
  virtual int64_t barriers() const { return 0; }
  // Time per node accumulated over the steps run so far (empty unless the executor profiles).
  struct NodeTiming {
    std::string node;
    std::string op;
    int64_t calls = 0;
    double seconds = 0;
  };
  virtual std::vector<NodeTiming> timings() const { return {}; }
};

// Executor-owned storage for a session's states.
class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual int64_t capacity() const = 0;
  // Host copies of a state's bytes, for tests and snapshots (not on the per-step path).
  virtual absl::Status ReadState(ValueId state, void* data, size_t bytes) = 0;
  virtual absl::Status WriteState(ValueId state, const void* data, size_t bytes) = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Storage for every state of `graph` with the capacity symbol bound to `capacity`.
  virtual absl::StatusOr<std::unique_ptr<StateStore>> CreateStates(const Graph& graph,
                                                                   int64_t capacity) = 0;
  // Compiles `graph` (verified; it must outlive the plan) for `spec`, bound to `states`.
  virtual absl::StatusOr<std::unique_ptr<Plan>> Compile(const Graph& graph,
                                                        const Specialization& spec,
                                                        StateStore& states) = 0;
};

}  // namespace anvil
