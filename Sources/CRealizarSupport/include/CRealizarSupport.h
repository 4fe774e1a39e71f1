#ifndef CREALIZAR_SUPPORT_H
#define CREALIZAR_SUPPORT_H

/// Instruction-set extensions of the running CPU (and enabled by the OS), as a bit set.
enum {
    REALIZAR_CPU_AVX2 = 1 << 0,
    REALIZAR_CPU_FMA = 1 << 1,
    REALIZAR_CPU_F16C = 1 << 2,
    REALIZAR_CPU_AVX512F = 1 << 3,
    REALIZAR_CPU_AVX512BW = 1 << 4,
    REALIZAR_CPU_AVX512VL = 1 << 5,
    REALIZAR_CPU_AVX512VNNI = 1 << 6,
    REALIZAR_CPU_AVX512BF16 = 1 << 7,
    REALIZAR_CPU_AVXVNNI = 1 << 8,
};

unsigned realizar_cpu_features(void);

/// A hint to the CPU that this thread is spinning, so the sibling hyper-thread gets the core.
static inline void realizar_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks for the cache line at `p` ahead of its use. Never faults, so any address will do.
static inline void realizar_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Makes this thread's float arithmetic flush subnormal results and inputs to zero (x86 MXCSR
/// FTZ and DAZ) and returns the previous mode for `realizar_restore_float_mode`. Intel cores take
/// a slow microcode path for every subnormal operand: softmax weights that underflow would slow
/// attention tenfold. Elsewhere it does nothing.
static inline unsigned realizar_flush_subnormals(void) {
#if defined(__x86_64__)
    unsigned mode = __builtin_ia32_stmxcsr();
    __builtin_ia32_ldmxcsr(mode | 0x8040);
    return mode;
#else
    return 0;
#endif
}

static inline void realizar_restore_float_mode(unsigned mode) {
#if defined(__x86_64__)
    __builtin_ia32_ldmxcsr(mode);
#else
    (void)mode;
#endif
}

#endif
