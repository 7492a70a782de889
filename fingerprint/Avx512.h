#pragma once
// Around the AVX-512 kernels of the fingerprint pass (chosen at run time, docs/decisions/0063,
// addendum 2): GCC 12's AVX-512 headers start some intrinsics (gathers, shifts, permutes) from an
// undefined vector and warn about it where they are inlined (-Wmaybe-uninitialized,
// -Wuninitialized), although every lane is written.
#if defined(__GNUC__) && !defined(__clang__)
#define MAMORI_AVX512_BEGIN                                                                  \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define MAMORI_AVX512_END _Pragma("GCC diagnostic pop")
#else
#define MAMORI_AVX512_BEGIN
#define MAMORI_AVX512_END
#endif
