// OpenBLAS for prefill GEMMs, loaded at run time (dlopen) so that its kernel family can be chosen
// for this CPU first.
//
// OpenBLAS picks its kernels once, when it loads, from the CPUID model number. Releases older than
// the CPU (Debian 12 ships 0.3.21) do not know recent Xeons and fall back to the SSE3 "Prescott"
// kernels: 20 GFLOP/s instead of 116 on one core of this project's reference machine. Unless the
// user set OPENBLAS_CORETYPE, anvil sets it from the instruction sets it finds (AVX-512:
// SkylakeX, AVX2: Haswell) before loading the library.
#pragma once

#include "absl/status/statusor.h"

namespace anvil::cpu {

struct Blas {
  // cblas_sgemm, row-major: C[M, N] = alpha * A[M, K] * op(B) + beta * C (ldc = row stride).
  void (*sgemm)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc) = nullptr;
  void (*set_num_threads)(int threads) = nullptr;
  char* (*get_corename)() = nullptr;
  char* (*get_config)() = nullptr;
};

// Loads OpenBLAS once (thread-safe); an error names the library and dlopen's reason.
absl::StatusOr<const Blas*> LoadBlas();

// "OpenBLAS 0.3.21 ... (SkylakeX kernels)" or the load error.
std::string BlasDescription();

}  // namespace anvil::cpu
