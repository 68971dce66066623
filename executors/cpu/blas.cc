#include "executors/cpu/blas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "hwy/targets.h"

namespace anvil::cpu {
namespace {

// The OPENBLAS_CORETYPE for this CPU, or null to let OpenBLAS decide.
const char* CoreTypeFor(int64_t targets) {
  if (targets & (HWY_AVX3 | HWY_AVX3_DL)) return "SkylakeX";
  if (targets & HWY_AVX2) return "Haswell";
  return nullptr;
}

absl::StatusOr<Blas> Load() {
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    if (const char* core = CoreTypeFor(hwy::SupportedTargets())) setenv("OPENBLAS_CORETYPE", core, 0);
  }
  void* library = nullptr;
  std::string errors;
  for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) break;
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", dlerror());
  }
  if (library == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot load OpenBLAS (install libopenblas0): ", errors));
  }
  Blas blas;
  auto symbol = [&](auto& target, const char* name) -> bool {
    target = reinterpret_cast<std::remove_reference_t<decltype(target)>>(dlsym(library, name));
    return target != nullptr;
  };
  if (!symbol(blas.sgemm, "cblas_sgemm") || !symbol(blas.set_num_threads, "openblas_set_num_threads") ||
      !symbol(blas.get_corename, "openblas_get_corename") || !symbol(blas.get_config, "openblas_get_config")) {
    return absl::FailedPreconditionError("the loaded libopenblas.so.0 lacks cblas_sgemm or the openblas_* queries");
  }
  // The executor parallelizes across GEMM chunks; OpenBLAS runs single-threaded inside them.
  blas.set_num_threads(1);
  return blas;
}

}  // namespace

absl::StatusOr<const Blas*> LoadBlas() {
  static const absl::StatusOr<Blas>* blas = new absl::StatusOr<Blas>(Load());
  if (!blas->ok()) return blas->status();
  return &**blas;
}

std::string BlasDescription() {
  auto blas = LoadBlas();
  if (!blas.ok()) return std::string(blas.status().message());
  return absl::StrCat((*blas)->get_config(), " (", (*blas)->get_corename(), " kernels)");
}

}  // namespace anvil::cpu
