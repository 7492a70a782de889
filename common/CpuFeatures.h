#pragma once
// Which instruction-set extensions the hand-vectorised kernels may use (the UTF-8 check, the
// fingerprint normaliser, sampling and hashing). Each kernel has a portable path that gives the same
// answer; the fastest one this processor and its OS support is chosen once, at first use.
//
// MAMORI_CPU_FEATURES=baseline in the environment restricts every choice to the x86-64 baseline
// (SSE2): the test suite runs the fingerprint tests a second time that way, so the portable paths a
// PC without AVX-512 or AVX2 takes are tested on any build machine, and a support engineer can rule
// a processor-specific kernel in or out without a rebuild.

namespace mamori::common {

enum class CpuFeature { kSsse3, kPopcnt, kBmi, kAvx2, kAvx512f, kAvx512bw, kAvx512vbmi, kAvx512vbmi2 };

// Whether a kernel that needs `feature` may run here: the processor has it, the OS saves its
// registers, and MAMORI_CPU_FEATURES does not say "baseline".
bool cpuHas(CpuFeature feature) noexcept;

// Whether MAMORI_CPU_FEATURES=baseline was set when the first kernel was chosen.
bool cpuBaselineOnly() noexcept;

}  // namespace mamori::common
