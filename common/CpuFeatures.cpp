#include "common/CpuFeatures.h"

#include <cstdlib>
#include <cstring>

namespace mamori::common {

bool cpuBaselineOnly() noexcept {
  // Read once: the kernels are chosen once, and every choice must agree with the others.
  static const bool baseline = [] {
    const char* value = std::getenv("MAMORI_CPU_FEATURES");  // NOLINT(concurrency-mt-unsafe): read-only use
    return value != nullptr && std::strcmp(value, "baseline") == 0;
  }();
  return baseline;
}

bool cpuHas(CpuFeature feature) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  if (cpuBaselineOnly()) return false;
  __builtin_cpu_init();  // may be asked from a static initializer, before libgcc's own
  switch (feature) {
    case CpuFeature::kSsse3: return __builtin_cpu_supports("ssse3") != 0;
    case CpuFeature::kPopcnt: return __builtin_cpu_supports("popcnt") != 0;
    case CpuFeature::kBmi: return __builtin_cpu_supports("bmi") != 0;
    case CpuFeature::kAvx2: return __builtin_cpu_supports("avx2") != 0;
    case CpuFeature::kAvx512f: return __builtin_cpu_supports("avx512f") != 0;
    case CpuFeature::kAvx512bw: return __builtin_cpu_supports("avx512bw") != 0;
    case CpuFeature::kAvx512vbmi: return __builtin_cpu_supports("avx512vbmi") != 0;
    case CpuFeature::kAvx512vbmi2: return __builtin_cpu_supports("avx512vbmi2") != 0;
  }
  return false;
#else
  (void)feature;
  return false;
#endif
}

}  // namespace mamori::common
