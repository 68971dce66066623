#include "ops/rope/rope.h"

#include <cmath>

#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

absl::StatusOr<RopeAttrs> RopeAttrs::From(const Attributes& attrs) {
  RopeAttrs a;
  ANVIL_ASSIGN_OR_RETURN(a.theta, attrs.GetFloat("theta", 10000.0));
  if (!(a.theta > 1.0) || !std::isfinite(a.theta)) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'theta' must be > 1, got ", a.theta));
  }
  ANVIL_ASSIGN_OR_RETURN(std::string layout, attrs.GetString("layout", "interleaved"));
  if (layout == "interleaved") {
    a.layout = RopeLayout::kInterleaved;
  } else if (layout == "half") {
    a.layout = RopeLayout::kHalf;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'layout' must be \"interleaved\" or \"half\", got \"", layout, "\""));
  }
  ANVIL_ASSIGN_OR_RETURN(a.rotary_dim, attrs.GetInt("rotary_dim", 0));
  ANVIL_ASSIGN_OR_RETURN(a.scaling_factor, attrs.GetFloat("scaling_factor", 0));
  ANVIL_ASSIGN_OR_RETURN(a.low_freq_factor, attrs.GetFloat("low_freq_factor", 1));
  ANVIL_ASSIGN_OR_RETURN(a.high_freq_factor, attrs.GetFloat("high_freq_factor", 4));
  ANVIL_ASSIGN_OR_RETURN(a.original_max_position, attrs.GetInt("original_max_position", 8192));
  if (a.scaling_factor < 0 || (a.scaling_factor > 0 && (a.high_freq_factor <= a.low_freq_factor ||
                                                        a.low_freq_factor <= 0 ||
                                                        a.original_max_position <= 0))) {
    return absl::InvalidArgumentError(
        "Llama-3 rope scaling needs scaling_factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position > 0");
  }
  return a;
}

absl::Status RopeAttrs::CheckHeadDim(int64_t head_dim) const {
  const int64_t r = RotaryDim(head_dim);
  if (r <= 0 || r > head_dim || r % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("rotary_dim ", r, " must be even and in (0, head_dim ",
                                                   head_dim, "]"));
  }
  return absl::OkStatus();
}

void AppendRopeAttrSpecs(std::vector<AttrSpec>& specs) {
  for (AttrSpec s : std::initializer_list<AttrSpec>{
           {"theta", AttrType::kFloat, true},
           {"layout", AttrType::kString},
           {"rotary_dim", AttrType::kInt},
           {"scaling_factor", AttrType::kFloat},
           {"low_freq_factor", AttrType::kFloat},
           {"high_freq_factor", AttrType::kFloat},
           {"original_max_position", AttrType::kInt},
       }) {
    specs.push_back(s);
  }
}

std::vector<double> RopeFrequencies(const RopeAttrs& attrs, int64_t head_dim) {
  const int64_t r = attrs.RotaryDim(head_dim);
  std::vector<double> freqs(r / 2);
  for (int64_t i = 0; i < r / 2; ++i) {
    double f = std::pow(attrs.theta, -2.0 * static_cast<double>(i) / static_cast<double>(r));
    if (attrs.scaling_factor > 0) {
      // Llama 3.1: keep high frequencies, divide low ones by the factor, blend in between.
      const double old_context = static_cast<double>(attrs.original_max_position);
      const double low_wavelen = old_context / attrs.low_freq_factor;
      const double high_wavelen = old_context / attrs.high_freq_factor;
      const double wavelen = 2.0 * M_PI / f;
      if (wavelen > low_wavelen) {
        f /= attrs.scaling_factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (old_context / wavelen - attrs.low_freq_factor) /
                              (attrs.high_freq_factor - attrs.low_freq_factor);
        f = (1.0 - smooth) * f / attrs.scaling_factor + smooth * f;
      }
    }
    freqs[i] = f;
  }
  return freqs;
}

void RopeReference(float* x, int64_t heads, int64_t head_dim, int64_t position,
                   const RopeAttrs& attrs, const std::vector<double>& freqs) {
  const int64_t half = static_cast<int64_t>(freqs.size());
  for (int64_t h = 0; h < heads; ++h) {
    float* head = x + h * head_dim;
    for (int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(position) * freqs[i];
      const double c = std::cos(angle), s = std::sin(angle);
      const int64_t a = attrs.layout == RopeLayout::kInterleaved ? 2 * i : i;
      const int64_t b = attrs.layout == RopeLayout::kInterleaved ? 2 * i + 1 : i + half;
      const double x0 = head[a], x1 = head[b];
      head[a] = static_cast<float>(x0 * c - x1 * s);
      head[b] = static_cast<float>(x0 * s + x1 * c);
    }
  }
}

OpDef RopeOp() {
  OpDef def;
  def.name = "rope";
  def.summary = "rotary position embedding of x [T, H, head_dim] at positions P + t";
  def.inputs = {F32Port("x")};
  def.outputs = {F32Port("y")};
  def.in_place = {0};
  AppendRopeAttrSpecs(def.attrs);
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(RopeAttrs attrs, RopeAttrs::From(ctx.attrs()));
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 3));
    const Dim& hd = ctx.input(0).shape[2];
    if (hd.is_symbolic()) return ctx.Error("head_dim must be fixed");
    ANVIL_RETURN_IF_ERROR(attrs.CheckHeadDim(hd.size));
    return std::vector<TensorType>{{DType::kF32, ctx.input(0).shape}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(RopeAttrs attrs, RopeAttrs::From(ctx.node.attrs));
    const HostTensor& x = ctx.inputs[0];
    const int64_t tokens = x.dims[0], heads = x.dims[1], head_dim = x.dims[2];
    const std::vector<double> freqs = RopeFrequencies(attrs, head_dim);
    float* y = F32(ctx.outputs[0]);
    if (y != F32(x)) std::copy(F32(x), F32(x) + x.num_elements(), y);
    for (int64_t t = 0; t < tokens; ++t) {
      RopeReference(y + t * heads * head_dim, heads, head_dim, ctx.position + t, attrs, freqs);
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{3.0 * NumElements(ctx.input_dims[0]), 0}; };
  return def;
}

}  // namespace anvil
