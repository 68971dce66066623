// anvil inspect FILE: what a model is and what running it costs.
#include <cstring>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "executors/vulkan/device.h"
#include "base/mapped_file.h"
#include "base/progress.h"
#include "graph/capture.h"
#include "graph/model_io.h"
#include "graph/model_stats.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/format.h"
#include "tools/pass_flags.h"

namespace anvil::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string ConfigLine(const ModelConfig& c) {
  if (c.family.empty() && c.num_layers == 0) return "(none: a hand-written graph)";
  std::string s = absl::StrCat(c.family.empty() ? "?" : c.family, ": vocab ", c.vocab_size, ", hidden ",
                               c.hidden_size, ", ffn ", c.intermediate_size, ", layers ", c.num_layers,
                               ", heads ", c.num_heads, " (kv ", c.num_kv_heads, ", head_dim ", c.head_dim,
                               "), rope ", c.rope_layout, " theta ", c.rope_theta);
  if (!c.rope_scaling.type.empty()) absl::StrAppend(&s, " scaling ", c.rope_scaling.type, " x", c.rope_scaling.factor);
  absl::StrAppend(&s, ", rms eps ", c.rms_norm_eps);
  if (c.qk_norm) absl::StrAppend(&s, ", qk-norm");
  if (c.attention_bias) absl::StrAppend(&s, ", qkv bias");
  if (c.sliding_window > 0) absl::StrAppend(&s, ", sliding window ", c.sliding_window);
  if (c.tie_embeddings) absl::StrAppend(&s, ", tied embeddings");
  absl::StrAppend(&s, ", max context ", c.max_context);
  return s;
}

std::string ChecksumLine(const Model& m, bool verified) {
  if (m.checksum.algorithm.empty()) return "none recorded";
  std::string s = absl::StrFormat("%s %08x over %d data bytes", m.checksum.algorithm, m.checksum.value,
                                  m.checksum.data_length);
  return absl::StrCat(s, verified ? " (verified: data matches)" : " (not verified; --verify reads all data)");
}

Json ConfigJson(const ModelConfig& c) {
  Json j;
  j["family"] = c.family;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_layers"] = c.num_layers;
  j["num_heads"] = c.num_heads;
  j["num_kv_heads"] = c.num_kv_heads;
  j["head_dim"] = c.head_dim;
  j["rope_theta"] = c.rope_theta;
  j["rope_layout"] = c.rope_layout;
  if (!c.rope_scaling.type.empty()) {
    j["rope_scaling"] = {{"type", c.rope_scaling.type},
                         {"factor", c.rope_scaling.factor},
                         {"low_freq_factor", c.rope_scaling.low_freq_factor},
                         {"high_freq_factor", c.rope_scaling.high_freq_factor},
                         {"original_max_position", c.rope_scaling.original_max_position}};
  }
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["qk_norm"] = c.qk_norm;
  j["attention_bias"] = c.attention_bias;
  j["sliding_window"] = c.sliding_window;
  j["tie_embeddings"] = c.tie_embeddings;
  j["bos_ids"] = c.bos_ids;
  j["eos_ids"] = c.eos_ids;
  j["max_context"] = c.max_context;
  return j;
}

void PrintHuman(const std::string& path, const Model& m, const ModelStats& s, const ModelStats& o, bool verified) {
  auto row = [](absl::string_view key, const std::string& value) {
    std::cout << absl::StrFormat("  %-13s %s\n", key, value);
  };
  std::cout << path << "\n";
  row("format", absl::StrCat(m.text_form ? "anvil text form (.pbtxt)" : "anvil graph container v1", ", opset ", m.opset_version, ", producer \"", m.producer, "\""));
  row("checksum", ChecksumLine(m, verified));
  row("config", ConfigLine(m.config));
  if (m.tokenizer) {
    row("tokenizer", absl::StrCat(m.tokenizer->type, ", ", m.tokenizer->pieces.size(), " pieces, bos ",
                                  m.tokenizer->bos_id, ", eos ", m.tokenizer->eos_id));
  }
  row("nodes", absl::StrCat(s.nodes, " as written, ", o.nodes, " optimized"));
  row("dispatches", absl::StrCat(s.dispatches, " per decode step as written, ", o.dispatches, " optimized"));
  row("activations", absl::StrCat(HumanBytes(static_cast<double>(s.activation_bytes)), " per decode step as written (",
                                  HumanBytes(static_cast<double>(s.activation_bytes_no_reuse)), " without reuse), ",
                                  HumanBytes(static_cast<double>(o.activation_bytes)), " optimized"));
  std::vector<std::string> ops;
  for (const auto& [op, count] : s.op_histogram) ops.push_back(absl::StrCat(op, " ", count));
  row("ops", absl::StrJoin(ops, ", "));
  row("parameters", absl::StrCat(HumanCount(static_cast<double>(s.params)), " (", HumanBytes(static_cast<double>(s.weight_bytes)), ")"));
  for (const auto& [dtype, t] : s.weights_by_dtype) {
    row(absl::StrCat("  ", DTypeName(dtype)),
        absl::StrCat(t.tensors, " tensors, ", HumanCount(static_cast<double>(t.params)), " params, ", HumanBytes(static_cast<double>(t.bytes))));
  }
  row("KV cache", absl::StrCat(HumanBytes(static_cast<double>(s.kv_bytes_per_token)), " per token, ",
                               HumanBytes(static_cast<double>(s.kv_bytes_at_context)), " at ", s.context, " tokens"));
  row("per token", absl::StrCat("reads ", HumanBytes(s.weight_bytes_per_token), " of weights; ",
                                HumanCount(s.flops_per_token_first), "FLOP at position 0, ",
                                HumanCount(s.flops_per_token_last), "FLOP at position ", s.context - 1));
}

Json StatsJson(const std::string& path, const Model& m, const ModelStats& s, const ModelStats& o, bool verified) {
  Json j;
  j["path"] = path;
  j["opset"] = m.opset_version;
  j["producer"] = m.producer;
  j["checksum"] = {{"algorithm", m.checksum.algorithm},
                   {"value", m.checksum.value},
                   {"data_length", m.checksum.data_length},
                   {"verified", verified}};
  j["config"] = ConfigJson(m.config);
  if (m.tokenizer) {
    j["tokenizer"] = {{"type", m.tokenizer->type},
                      {"pieces", m.tokenizer->pieces.size()},
                      {"bos_id", m.tokenizer->bos_id},
                      {"eos_id", m.tokenizer->eos_id}};
  }
  j["nodes"] = s.nodes;
  j["dispatches_per_decode_step"] = s.dispatches;
  j["activation_bytes"] = s.activation_bytes;
  j["activation_bytes_no_reuse"] = s.activation_bytes_no_reuse;
  j["optimized"] = {{"nodes", o.nodes},
                    {"dispatches_per_decode_step", o.dispatches},
                    {"activation_bytes", o.activation_bytes},
                    {"ops", o.op_histogram}};
  j["ops"] = s.op_histogram;
  j["parameters"] = s.params;
  j["weight_bytes"] = s.weight_bytes;
  Json by_dtype = Json::object();
  for (const auto& [dtype, t] : s.weights_by_dtype) {
    by_dtype[std::string(DTypeName(dtype))] = {{"tensors", t.tensors}, {"params", t.params}, {"bytes", t.bytes}};
  }
  j["weights_by_dtype"] = by_dtype;
  j["context"] = s.context;
  j["kv_bytes_per_token"] = s.kv_bytes_per_token;
  j["kv_bytes_at_context"] = s.kv_bytes_at_context;
  j["weight_bytes_per_token"] = s.weight_bytes_per_token;
  j["flops_per_token_first"] = s.flops_per_token_first;
  j["flops_per_token_last"] = s.flops_per_token_last;
  return j;
}

int InspectCapture(const std::string& path, bool json) {
  auto c = ReadCapture(path);
  if (!c.ok()) return Fail(c.status());
  if (json) {
    Json j;
    j["path"] = path;
    j["producer"] = c->producer;
    j["graph"] = {{"path", c->graph_path}, {"checksum", c->graph_checksum.value}, {"algorithm", c->graph_checksum.algorithm}};
    j["executor"] = c->executor;
    j["device"] = c->device;
    j["capacity"] = c->capacity;
    j["passes"] = c->passes;
    j["plan_nodes"] = c->plan_nodes;
    j["prompt_ids"] = c->prompt_ids;
    Json steps = Json::array();
    for (const CapturedStep& s : c->steps) steps.push_back({{"position", s.position}, {"input", s.input_id}, {"argmax", s.argmax_id}});
    j["steps"] = steps;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  auto row = [](absl::string_view key, const std::string& value) { std::cout << absl::StrFormat("  %-13s %s\n", key, value); };
  std::cout << path << "\n";
  row("format", absl::StrCat("anvil capture v", kCaptureVersion, ", producer \"", c->producer, "\""));
  row("model", absl::StrFormat("%s (%s %08x over %d data bytes)", c->graph_path, c->graph_checksum.algorithm,
                               c->graph_checksum.value, c->graph_checksum.data_length));
  row("executor", c->device == c->executor ? c->executor : absl::StrCat(c->executor, " on ", c->device));
  row("capacity", absl::StrCat(c->capacity, " tokens"));
  row("passes", c->passes.empty() ? "none" : absl::StrJoin(c->passes, ", "));
  row("plan", absl::StrCat(c->plan_nodes, " nodes"));
  row("prompt", absl::StrCat(c->prompt_ids.size(), " tokens: ", absl::StrJoin(c->prompt_ids, " ")));
  std::vector<int32_t> inputs, outputs;
  for (const CapturedStep& s : c->steps) {
    inputs.push_back(s.input_id);
    outputs.push_back(s.argmax_id);
  }
  const size_t shown = std::min<size_t>(16, inputs.size());
  row("steps", absl::StrCat(c->steps.size(), " decode steps from position ",
                            c->steps.empty() ? 0 : c->steps.front().position));
  row("inputs", absl::StrCat(absl::StrJoin(inputs.begin(), inputs.begin() + shown, " "), shown < inputs.size() ? " ..." : ""));
  row("argmax", absl::StrCat(absl::StrJoin(outputs.begin(), outputs.begin() + shown, " "), shown < outputs.size() ? " ..." : ""));
  return 0;
}

int ListVulkanDevices(bool json) {
  auto devices = vk::ListDevices();
  if (!devices.ok()) return Fail(devices.status());
  if (json) {
    Json list = Json::array();
    for (const vk::DeviceInfo& d : *devices) {
      list.push_back({{"index", d.index}, {"name", d.name}, {"type", d.type}, {"api", d.api_version},
                      {"device_local_bytes", d.device_local_bytes}, {"subgroup_size", d.subgroup_size},
                      {"max_storage_buffer_range", d.max_storage_buffer_range}, {"storage_16bit", d.storage_16bit},
                      {"storage_8bit", d.storage_8bit}, {"shader_float16", d.shader_float16}, {"shader_int8", d.shader_int8}});
    }
    std::cout << list.dump(2) << "\n";
    return 0;
  }
  if (devices->empty()) std::cout << "no Vulkan devices\n";
  for (const vk::DeviceInfo& d : *devices) {
    std::cout << absl::StrFormat("  %d  %s (%s, Vulkan %s, %s device memory, subgroup %u, max binding %s, 16-bit storage %s, "
                                 "8-bit storage %s, float16 %s, int8 %s)\n",
                                 d.index, d.name, d.type, d.api_version, HumanBytes(static_cast<double>(d.device_local_bytes)),
                                 d.subgroup_size, HumanBytes(static_cast<double>(d.max_storage_buffer_range)),
                                 d.storage_16bit ? "yes" : "no", d.storage_8bit ? "yes" : "no", d.shader_float16 ? "yes" : "no",
                                 d.shader_int8 ? "yes" : "no");
  }
  return 0;
}

}  // namespace

int InspectCommand(int argc, char** argv) {
  bool json = false, verify = false, devices = false;
  int64_t context = 0;
  PassFlags pass_flags;
  FlagSet flags("anvil inspect FILE|SESSION.capture [flags]",
                "Summarizes a model (.graph or .pbtxt) or a recorded session (.capture). For a model:\n"
                "format and checksum, config, op histogram,\n"
                "nodes, dispatches and activation memory before and after the optimizer,\n"
                "parameters and bytes per dtype, KV-cache bytes, and the weight bytes and FLOPs of\n"
                "one decoded token.");
  flags.Bool("json", &json, "print JSON instead of text");
  flags.Bool("verify", &verify, "read all tensor data and check it against the stored CRC32");
  flags.Bool("devices", &devices, "list the Vulkan devices (no FILE needed); the index is --device N");
  flags.Int("context", &context, "KV capacity the figures assume (default: the model's max context)");
  pass_flags.Register(flags);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("inspect", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (devices && args->empty()) return ListVulkanDevices(json);
  if (args->size() != 1) return UsageError("inspect", "expects exactly one FILE");
  const std::string& path = (*args)[0];
  if (auto file = MappedFile::Open(path); file.ok() && (*file)->size() >= 8 &&
                                             std::memcmp((*file)->data(), kCaptureMagic, 8) == 0) {
    return InspectCapture(path, json);
  }
  Progress progress("verifying " + path);
  LoadOptions options;
  options.verify_checksum = verify;
  options.progress = progress.Callback();
  auto model = LoadModel(path, Ops(), options);
  if (!model.ok()) return Fail(model.status());
  const int64_t ctx = context > 0 ? context : DefaultContext(*model);
  auto stats = ComputeModelStats(*model, Ops(), ctx);
  if (!stats.ok()) return Fail(stats.status());
  auto pipeline = pass_flags.Options();
  if (!pipeline.ok()) return UsageError("inspect", std::string(pipeline.status().message()));
  Model optimized = *model;
  if (auto done = OptimizeModel(optimized, Ops(), *pipeline); !done.ok()) return Fail(done.status());
  auto optimized_stats = ComputeModelStats(optimized, Ops(), ctx);
  if (!optimized_stats.ok()) return Fail(optimized_stats.status());
  if (json) {
    std::cout << StatsJson(path, *model, *stats, *optimized_stats, verify).dump(2) << "\n";
  } else {
    PrintHuman(path, *model, *stats, *optimized_stats, verify);
  }
  return 0;
}

}  // namespace anvil::cli
