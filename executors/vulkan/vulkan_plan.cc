// A Vulkan plan: the activation arena (laid out by the memory planner), a host-visible io buffer
// (step state, graph inputs, copies of the outputs), one descriptor set per dispatch, and one
// command buffer holding the whole step. Run() writes the position and inputs, submits once and
// waits on one fence.
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"
#include "executors/vulkan/vulkan_internal.h"
#include "graph/memory_plan.h"
#include "ops/kv_cache/kv_cache_write.h"

namespace anvil::vk {
namespace {

constexpr VkDeviceSize kStepStateBytes = 64;

bool Overlaps(const Region& a, const Region& b) {
  return a.buffer == b.buffer && a.offset < b.offset + b.size && b.offset < a.offset + a.size;
}

bool AnyOverlap(const Region& r, const std::vector<Region>& list) {
  for (const Region& o : list) {
    if (Overlaps(r, o)) return true;
  }
  return false;
}

class VulkanPlan : public Plan {
 public:
  VulkanPlan(ExecutorShared& shared, const Specialization& spec) : shared_(shared), context_(shared.context), spec_(spec) {}
  ~VulkanPlan() override {
    // Steps wait for their fence, so only a step whose wait failed can still be running; wait for
    // this plan's own work only (vkDeviceWaitIdle would race other sessions' submissions).
    if (context_ && in_flight_ && !context_->lost()) {
      VkFence fence = fence_.get();
      vkWaitForFences(context_->device(), 1, &fence, VK_TRUE, UINT64_MAX);
    }
  }

  absl::Status Build(const Graph& graph, VulkanStateStore& states);

  absl::Status SetInput(int index, const void* data, size_t bytes) override {
    if (index < 0 || index >= static_cast<int>(inputs_.size())) return absl::OutOfRangeError(absl::StrCat("the graph has no input ", index));
    const IoSlot& slot = inputs_[index];
    if (bytes != slot.bytes) {
      return absl::InvalidArgumentError(absl::StrCat("input ", index, " takes ", slot.bytes, " bytes, got ", bytes));
    }
    if (slot.vocab > 0) {  // token ids for an embedding: checked here, the shader trusts them
      const int32_t* ids = static_cast<const int32_t*>(data);
      for (size_t i = 0; i < bytes / 4; ++i) {
        if (ids[i] < 0 || ids[i] >= slot.vocab) {
          return absl::OutOfRangeError(absl::StrCat("node '", slot.embedding_node, "': token id ", ids[i],
                                                    " is outside the vocabulary (", slot.vocab, " tokens)"));
        }
      }
    }
    std::memcpy(io_.mapped + slot.offset, data, bytes);
    return absl::OkStatus();
  }

  // The capture: the whole step recorded once into `captured_`, submitted as is every step; and,
  // for greedy decoding, `feedback_`: the same step preceded by a copy of the previous argmax into
  // the input ids, so the host only submits.
  absl::Status Capture() override {
    ANVIL_RETURN_IF_ERROR(Check(vkResetCommandBuffer(captured_, 0), "vkResetCommandBuffer"));
    ANVIL_RETURN_IF_ERROR(RecordInto(captured_, false));
    if (feedback_source_ >= 0) {
      ANVIL_RETURN_IF_ERROR(Check(vkResetCommandBuffer(feedback_, 0), "vkResetCommandBuffer"));
      ANVIL_RETURN_IF_ERROR(RecordInto(feedback_, true));
    }
    is_captured_ = true;
    return absl::OkStatus();
  }
  bool supports_feedback() const override { return feedback_source_ >= 0; }
  absl::Status RunFeedback() override {
    if (!is_captured_ || feedback_source_ < 0) return absl::FailedPreconditionError("no captured feedback step");
    return Submit(next_position_, feedback_, std::chrono::steady_clock::now(), /*host_writes=*/false);
  }
  bool captured() const override { return is_captured_; }
  void ReleaseCapture() override { is_captured_ = false; }

  absl::Status Run(int64_t position) override {
    if (!is_captured_) ANVIL_RETURN_IF_ERROR(Capture());
    return Submit(position, captured_, std::chrono::steady_clock::now(), true);
  }

  // Eager: records every dispatch of this step into a fresh command buffer, then submits it.
  absl::Status RunEager(int64_t position) override {
    const auto begin = std::chrono::steady_clock::now();
    ANVIL_RETURN_IF_ERROR(Check(vkResetCommandBuffer(eager_, 0), "vkResetCommandBuffer"));
    ANVIL_RETURN_IF_ERROR(RecordInto(eager_, false));
    return Submit(position, eager_, begin, true);
  }

  double last_host_seconds() const override { return last_host_seconds_; }

  absl::StatusOr<HostView> Output(int index) override {
    if (index < 0 || index >= static_cast<int>(outputs_.size())) return absl::OutOfRangeError(absl::StrCat("the graph has no output ", index));
    const IoSlot& slot = outputs_[index];
    return HostView{slot.dtype, slot.dims, io_.mapped + slot.offset};
  }

  const Specialization& specialization() const override { return spec_; }
  int64_t arena_bytes() const override { return static_cast<int64_t>(arena_.size); }
  int64_t dispatches() const override { return static_cast<int64_t>(dispatches_.size()); }
  int64_t barriers() const override { return barriers_; }
  std::vector<NodeTiming> timings() const override { return timings_; }

 private:
  struct IoSlot {
    VkDeviceSize offset = 0;
    size_t bytes = 0;
    DType dtype = DType::kF32;
    std::vector<int64_t> dims;
    Region source;  // outputs: where the value lives on the device
    int64_t vocab = 0;  // inputs feeding an embedding: the table's rows
    std::string embedding_node;
  };
  struct Dispatch {
    DispatchSpec spec;
    const PipelineEntry* pipeline = nullptr;
    VkDescriptorSet set = VK_NULL_HANDLE;
    int timing = 0;  // index into timings_
  };

  absl::StatusOr<Region> RopeTable(const RopeAttrs& attrs, int64_t head_dim);
  absl::Status Prepare();  // descriptor sets, command buffers, fence, queries
  absl::Status RecordInto(VkCommandBuffer cmd, bool feedback);
  absl::Status Submit(int64_t position, VkCommandBuffer cmd, std::chrono::steady_clock::time_point begin, bool host_writes);
  absl::Status CollectTimings();

  ExecutorShared& shared_;
  std::shared_ptr<Context> context_;
  Specialization spec_;
  GpuBuffer arena_, io_, dummy_;
  std::vector<GpuBuffer> rope_tables_;
  std::map<std::string, Region> rope_table_index_;
  std::vector<IoSlot> inputs_, outputs_;
  std::vector<Dispatch> dispatches_;
  DescriptorPool pool_;
  CommandPool command_pool_;
  VkCommandBuffer captured_ = VK_NULL_HANDLE;
  VkCommandBuffer eager_ = VK_NULL_HANDLE;
  VkCommandBuffer feedback_ = VK_NULL_HANDLE;
  bool is_captured_ = false;
  int feedback_source_ = -1;     // output slot holding next_token when the step can feed itself
  int64_t next_position_ = 0;    // where the device's step state points after the last step
  Dispatch advance_;             // step_advance: position += T at the end of every step
  double last_host_seconds_ = 0;
  Fence fence_;
  bool in_flight_ = false;  // submitted and not yet waited for
  QueryPool queries_;
  int64_t barriers_ = 0;
  std::string cache_writer_;  // a node that writes the KV cache (for the capacity check)
  std::vector<NodeTiming> timings_;
};

absl::StatusOr<Region> VulkanPlan::RopeTable(const RopeAttrs& attrs, int64_t head_dim) {
  const std::vector<double> freqs = RopeFrequencies(attrs, head_dim);
  std::string key = absl::StrCat(head_dim, ":", freqs.size());
  for (double f : freqs) absl::StrAppend(&key, ",", f);
  if (auto it = rope_table_index_.find(key); it != rope_table_index_.end()) return it->second;
  // cos/sin of position * freq for every position the cache holds, in double then rounded: the
  // values the CPU executor computes.
  std::vector<float> table(static_cast<size_t>(spec_.capacity) * freqs.size() * 2);
  for (int64_t pos = 0; pos < spec_.capacity; ++pos) {
    for (size_t i = 0; i < freqs.size(); ++i) {
      const double angle = static_cast<double>(pos) * freqs[i];
      table[(pos * freqs.size() + i) * 2] = static_cast<float>(std::cos(angle));
      table[(pos * freqs.size() + i) * 2 + 1] = static_cast<float>(std::sin(angle));
    }
  }
  const VkDeviceSize bytes = table.size() * sizeof(float);
  if (bytes > context_->binding_limit()) return absl::ResourceExhaustedError("the RoPE table exceeds the binding limit; lower the KV capacity");
  ANVIL_ASSIGN_OR_RETURN(GpuBuffer buffer, context_->CreateBuffer(bytes, false, "rope table"));
  ANVIL_RETURN_IF_ERROR(context_->Upload(buffer, 0, table.data(), bytes));
  Region region{buffer.buffer.get(), 0, bytes};
  rope_tables_.push_back(std::move(buffer));
  rope_table_index_[key] = region;
  return region;
}

absl::Status VulkanPlan::Build(const Graph& graph, VulkanStateStore& states) {
  if (states.capacity() != spec_.capacity) return absl::InvalidArgumentError("plan and session capacities differ");
  const SymbolBindings symbols = {{kTokensSymbol, spec_.tokens}, {kCapacitySymbol, spec_.capacity}};
  const uint64_t align = context_->binding_alignment();
  MemoryPlanOptions options;
  options.in_place = graph.memory_in_place;
  options.alignment = static_cast<int64_t>(align);
  ANVIL_ASSIGN_OR_RETURN(MemoryPlan memory, PlanMemory(graph, shared_.registry, symbols, options));
  ANVIL_ASSIGN_OR_RETURN(arena_, context_->CreateBuffer(memory.arena_bytes, false, "activation arena"));
  ANVIL_ASSIGN_OR_RETURN(dummy_, context_->CreateBuffer(64, false, "dummy"));

  // io buffer: step state, then every input, then every output, each aligned.
  uint64_t io_size = kStepStateBytes;
  auto reserve = [&](size_t bytes) {
    const uint64_t offset = *CheckedAlignUp(io_size, align);
    io_size = offset + std::max<size_t>(bytes, 4);
    return offset;
  };
  auto concrete = [&](ValueId id) -> absl::StatusOr<std::pair<std::vector<int64_t>, size_t>> {
    const Value& v = graph.value(id);
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BindShape(v.type.shape, symbols), absl::StrCat("value '", v.name, "'"));
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())));
    return std::make_pair(dims, static_cast<size_t>(bytes));
  };
  for (ValueId id : graph.inputs()) {
    ANVIL_ASSIGN_OR_RETURN(auto shape, concrete(id));
    IoSlot slot{reserve(shape.second), shape.second, graph.value(id).type.dtype, shape.first};
    for (const Use& use : graph.Uses(id)) {
      const Node& user = graph.node(use.node);
      if (user.op == "embedding" && use.input_index == 1) {
        slot.vocab = graph.value(user.inputs[0]).type.shape[0].size;
        slot.embedding_node = user.name;
      }
    }
    inputs_.push_back(std::move(slot));
  }
  for (ValueId id : graph.outputs()) {
    ANVIL_ASSIGN_OR_RETURN(auto shape, concrete(id));
    outputs_.push_back(IoSlot{reserve(shape.second), shape.second, graph.value(id).type.dtype, shape.first});
  }
  ANVIL_ASSIGN_OR_RETURN(io_, context_->CreateBuffer(io_size, true, "io"));
  const VkBuffer io = io_.buffer.get();

  auto tensor = [&](ValueId id) -> absl::StatusOr<Tensor> {
    Tensor t;
    if (id == kNoValue) return t;
    const Value& v = graph.value(id);
    ANVIL_ASSIGN_OR_RETURN(auto shape, concrete(id));
    t.dtype = v.type.dtype;
    t.dims = shape.first;
    const ValueStorage& s = memory.values[id];
    for (size_t i = 0; i < graph.inputs().size(); ++i) {
      if (graph.inputs()[i] == s.root) {  // a graph input or a view of one: in the io buffer
        t.region = Region{io, inputs_[i].offset, shape.second};
        return t;
      }
    }
    switch (s.kind) {
      case StorageKind::kArena:
        if (shape.second > context_->binding_limit()) {
          return absl::ResourceExhaustedError(absl::StrCat("value '", v.name, "' needs ", shape.second,
                                                           " bytes in one binding; the device allows ", context_->binding_limit()));
        }
        t.region = Region{arena_.buffer.get(), static_cast<VkDeviceSize>(s.offset), shape.second};
        break;
      case StorageKind::kInitializer: {
        ANVIL_ASSIGN_OR_RETURN(t.region, shared_.weights->Get(graph.value(s.root)));
        break;
      }
      case StorageKind::kState: {
        ANVIL_ASSIGN_OR_RETURN(t.region, states.region(s.root));
        break;
      }
      case StorageKind::kNone: return absl::InternalError(absl::StrCat("value '", v.name, "' has no storage"));
    }
    return t;
  };

  const Region step{io, 0, kStepStateBytes};
  const Region dummy{dummy_.buffer.get(), 0, 64};
  std::map<std::string, int> timing_index;
  for (NodeId id : graph.order()) {
    const Node& node = graph.node(id);
    const OpDef* def = shared_.registry.Find(node.op);
    if (def != nullptr && def->is_view) continue;
    const KernelFactory factory = FindKernel(node.op);
    if (factory == nullptr) {
      return absl::UnimplementedError(absl::StrCat("node '", node.name, "': the Vulkan executor has no kernel for op '", node.op, "'"));
    }
    bool writes_state = false;
    for (size_t i = 0; def != nullptr && i < node.outputs.size(); ++i) writes_state |= def->OutputAlias(static_cast<int>(i)) >= 0;
    if (writes_state && cache_writer_.empty()) cache_writer_ = node.name;
    BindContext ctx{node, {}, {}, step, dummy, *context_,
                    [this](const RopeAttrs& attrs, int64_t head_dim) { return RopeTable(attrs, head_dim); }};
    for (ValueId in : node.inputs) {
      ANVIL_ASSIGN_OR_RETURN(Tensor t, tensor(in), absl::StrCat("node '", node.name, "'"));
      ctx.inputs.push_back(std::move(t));
    }
    for (ValueId out : node.outputs) {
      ANVIL_ASSIGN_OR_RETURN(Tensor t, tensor(out), absl::StrCat("node '", node.name, "'"));
      ctx.outputs.push_back(std::move(t));
    }
    ANVIL_ASSIGN_OR_RETURN(std::vector<DispatchSpec> specs, factory(ctx), absl::StrCat("node '", node.name, "' (", node.op, ")"));
    timing_index[node.name] = static_cast<int>(timings_.size());
    timings_.push_back(NodeTiming{node.name, node.op, 0, 0});
    for (DispatchSpec& s : specs) {
      Dispatch d;
      d.spec = std::move(s);
      d.timing = timing_index[node.name];
      ANVIL_ASSIGN_OR_RETURN(d.pipeline, shared_.pipelines->Get(d.spec.shader, d.spec.spec,
                                                                 static_cast<uint32_t>(d.spec.bindings.size()),
                                                                 static_cast<uint32_t>(d.spec.push.size())),
                             absl::StrCat("node '", node.name, "'"));
      dispatches_.push_back(std::move(d));
    }
  }
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    ANVIL_ASSIGN_OR_RETURN(Tensor t, tensor(graph.outputs()[i]));
    outputs_[i].source = t.region;
    const Value& out = graph.value(graph.outputs()[i]);
    if (out.name == "next_token" && spec_.tokens == 1 && inputs_.size() == 1 && inputs_[0].bytes == 4 &&
        outputs_[i].bytes == 4 && inputs_[0].vocab > 0) {
      feedback_source_ = static_cast<int>(i);
    }
  }
  advance_.spec.shader = "step_advance";
  advance_.spec.push = PushBytes(static_cast<uint32_t>(spec_.tokens));
  advance_.spec.bindings = {step};
  advance_.spec.writes = {true};
  ANVIL_ASSIGN_OR_RETURN(advance_.pipeline, shared_.pipelines->Get("step_advance", {}, 1, 4));
  return Prepare();
}

absl::Status VulkanPlan::Submit(int64_t position, VkCommandBuffer cmd, std::chrono::steady_clock::time_point begin,
                                bool host_writes) {
  if (!cache_writer_.empty()) {
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(position, spec_.tokens, spec_.capacity), absl::StrCat("node '", cache_writer_, "'"));
  }
  if (host_writes) {
    const uint32_t pos = static_cast<uint32_t>(position);
    std::memcpy(io_.mapped, &pos, sizeof(pos));
  }
  next_position_ = position + spec_.tokens;
  ANVIL_RETURN_IF_ERROR(context_->Submit(cmd, fence_.get()));
  in_flight_ = true;
  last_host_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  VkFence fence = fence_.get();
  ANVIL_RETURN_IF_ERROR(context_->Wait(fence));
  in_flight_ = false;
  ANVIL_RETURN_IF_ERROR(Check(vkResetFences(context_->device(), 1, &fence), "vkResetFences"));
  if (queries_) ANVIL_RETURN_IF_ERROR(CollectTimings());
  return absl::OkStatus();
}

absl::Status VulkanPlan::Prepare() {
  const VkDevice device = context_->device();
  uint32_t descriptors = 1;  // step_advance
  for (const Dispatch& d : dispatches_) descriptors += static_cast<uint32_t>(d.spec.bindings.size());
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max<uint32_t>(descriptors, 1)};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.maxSets = static_cast<uint32_t>(dispatches_.size()) + 1;
  pool_info.poolSizeCount = 1;
  pool_info.pPoolSizes = &size;
  VkDescriptorPool pool;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateDescriptorPool(device, &pool_info, nullptr, &pool), "vkCreateDescriptorPool"));
  pool_ = DescriptorPool(device, pool);
  std::vector<Dispatch*> all;
  for (Dispatch& d : dispatches_) all.push_back(&d);
  all.push_back(&advance_);
  for (Dispatch* dp : all) {
    Dispatch& d = *dp;
    VkDescriptorSetLayout layout = d.pipeline->set_layout.get();
    VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = pool;
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &layout;
    ANVIL_RETURN_IF_ERROR(Check(vkAllocateDescriptorSets(device, &alloc, &d.set), "vkAllocateDescriptorSets"));
    std::vector<VkDescriptorBufferInfo> infos(d.spec.bindings.size());
    std::vector<VkWriteDescriptorSet> writes(d.spec.bindings.size());
    for (size_t i = 0; i < infos.size(); ++i) {
      infos[i] = {d.spec.bindings[i].buffer, d.spec.bindings[i].offset, d.spec.bindings[i].size};
      writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      writes[i].dstSet = d.set;
      writes[i].dstBinding = static_cast<uint32_t>(i);
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(device, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }

  VkCommandPoolCreateInfo command_pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  command_pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  command_pool_info.queueFamilyIndex = context_->queue_family();
  VkCommandPool command_pool;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateCommandPool(device, &command_pool_info, nullptr, &command_pool), "vkCreateCommandPool"));
  command_pool_ = CommandPool(device, command_pool);
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = command_pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 3;
  VkCommandBuffer buffers[3];
  ANVIL_RETURN_IF_ERROR(Check(vkAllocateCommandBuffers(device, &alloc, buffers), "vkAllocateCommandBuffers"));
  captured_ = buffers[0];
  eager_ = buffers[1];
  feedback_ = buffers[2];
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateFence(device, &fence_info, nullptr, &fence), "vkCreateFence"));
  fence_ = Fence(device, fence);
  const bool profile = shared_.profile && context_->caps().timestamps;
  if (profile) {
    VkQueryPoolCreateInfo query_info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    query_info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    query_info.queryCount = static_cast<uint32_t>(dispatches_.size()) + 1;
    VkQueryPool queries;
    ANVIL_RETURN_IF_ERROR(Check(vkCreateQueryPool(device, &query_info, nullptr, &queries), "vkCreateQueryPool"));
    queries_ = QueryPool(device, queries);
  }
  return absl::OkStatus();
}

absl::Status VulkanPlan::RecordInto(VkCommandBuffer cmd, bool feedback) {
  const bool profile = static_cast<bool>(queries_);
  int64_t barriers = 0;
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  ANVIL_RETURN_IF_ERROR(Check(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer"));
  if (profile) {
    vkCmdResetQueryPool(cmd, queries_.get(), 0, static_cast<uint32_t>(dispatches_.size()) + 1);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_.get(), 0);
  }
  // A barrier goes in only where a dispatch reads or writes bytes an earlier dispatch wrote since
  // the last barrier, or writes bytes one read (RAW, WAW, WAR).
  std::vector<Region> written, read;
  auto barrier = [&](VkPipelineStageFlags src, VkAccessFlags src_access, VkPipelineStageFlags dst, VkAccessFlags dst_access) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = src_access;
    b.dstAccessMask = dst_access;
    vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
  };
  if (feedback) {
    // The previous submission's writes (its argmax copy and step advance) -> this step's copy.
    barrier(VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    const IoSlot& from = outputs_[feedback_source_];
    VkBufferCopy copy{from.offset, inputs_[0].offset, 4};
    vkCmdCopyBuffer(cmd, io_.buffer.get(), io_.buffer.get(), 1, &copy);
    barrier(VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT);
  }
  for (size_t i = 0; i < dispatches_.size(); ++i) {
    const Dispatch& d = dispatches_[i];
    bool conflict = false;
    for (size_t b = 0; b < d.spec.bindings.size(); ++b) {
      conflict |= AnyOverlap(d.spec.bindings[b], written);
      if (d.spec.writes[b]) conflict |= AnyOverlap(d.spec.bindings[b], read);
    }
    if (conflict) {
      barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
              VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      ++barriers;
      written.clear();
      read.clear();
    }
    for (size_t b = 0; b < d.spec.bindings.size(); ++b) (d.spec.writes[b] ? written : read).push_back(d.spec.bindings[b]);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->pipeline.get());
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->layout.get(), 0, 1, &d.set, 0, nullptr);
    if (!d.spec.push.empty()) {
      vkCmdPushConstants(cmd, d.pipeline->layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         static_cast<uint32_t>(d.spec.push.size()), d.spec.push.data());
    }
    vkCmdDispatch(cmd, d.spec.groups[0], d.spec.groups[1], d.spec.groups[2]);
    if (profile) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, queries_.get(), static_cast<uint32_t>(i) + 1);
  }
  // Every shader has read the position: move it on for the next step.
  barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
          VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT);
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, advance_.pipeline->pipeline.get());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, advance_.pipeline->layout.get(), 0, 1, &advance_.set, 0, nullptr);
  vkCmdPushConstants(cmd, advance_.pipeline->layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, 4, advance_.spec.push.data());
  vkCmdDispatch(cmd, 1, 1, 1);
  // Outputs -> io buffer -> host.
  for (const IoSlot& slot : outputs_) {
    VkBufferCopy copy{slot.source.offset, slot.offset, slot.bytes};
    vkCmdCopyBuffer(cmd, slot.source.buffer, io_.buffer.get(), 1, &copy);
  }
  barrier(VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
          VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  barriers_ = barriers;
  return Check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
}

absl::Status VulkanPlan::CollectTimings() {
  std::vector<uint64_t> stamps(dispatches_.size() + 1);
  ANVIL_RETURN_IF_ERROR(Check(vkGetQueryPoolResults(context_->device(), queries_.get(), 0, static_cast<uint32_t>(stamps.size()),
                                                    stamps.size() * sizeof(uint64_t), stamps.data(), sizeof(uint64_t),
                                                    VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
                              "vkGetQueryPoolResults"));
  const double ns = context_->caps().timestamp_period_ns;
  std::vector<bool> counted(timings_.size(), false);
  for (size_t i = 0; i < dispatches_.size(); ++i) {
    NodeTiming& t = timings_[dispatches_[i].timing];
    t.seconds += static_cast<double>(stamps[i + 1] - stamps[i]) * ns * 1e-9;
    if (!counted[dispatches_[i].timing]) ++t.calls;
    counted[dispatches_[i].timing] = true;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Plan>> CompileVulkanPlan(ExecutorShared& shared, const Graph& graph,
                                                        const Specialization& spec, VulkanStateStore& states) {
  auto plan = std::make_unique<VulkanPlan>(shared, spec);
  ANVIL_RETURN_IF_ERROR(plan->Build(graph, states));
  return std::unique_ptr<Plan>(std::move(plan));
}

}  // namespace anvil::vk
