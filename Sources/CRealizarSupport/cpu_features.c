#include "CRealizarSupport.h"

// __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
unsigned realizar_cpu_features(void) {
    unsigned features = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) features |= REALIZAR_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) features |= REALIZAR_CPU_FMA;
    if (__builtin_cpu_supports("f16c")) features |= REALIZAR_CPU_F16C;
    if (__builtin_cpu_supports("avx512f")) features |= REALIZAR_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) features |= REALIZAR_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512vl")) features |= REALIZAR_CPU_AVX512VL;
    if (__builtin_cpu_supports("avx512vnni")) features |= REALIZAR_CPU_AVX512VNNI;
    if (__builtin_cpu_supports("avx512bf16")) features |= REALIZAR_CPU_AVX512BF16;
    if (__builtin_cpu_supports("avxvnni")) features |= REALIZAR_CPU_AVXVNNI;
#endif
    return features;
}
