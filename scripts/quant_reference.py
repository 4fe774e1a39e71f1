#!/usr/bin/env python3
"""Reference data for Realizar's quantization formats.

Writes, for every GGUF block format Realizar dequantizes, random blocks and what the `gguf` Python
package (gguf-py) makes of them, and for every format Realizar quantizes, random floats and the
blocks gguf-py makes of them. Where gguf-py lacks a format (Q8_1, Q8_K entirely; quantizing Q4_K,
Q5_K, Q6_K) the expected results come from the numpy transcriptions of llama.cpp's reference C
(`ggml/src/ggml-quants.c`: `quantize_row_*_ref`, `dequantize_row_q8_K`) below, written to do the same
float32 operations in the same order as the C compiled without FP contraction.

Files in OUT (all little-endian):
  <TYPE>.blocks        random blocks (random bytes; f16/f32 scale fields set to random finite values)
  <TYPE>.dequant.f32   their dequantized values, float32
  <TYPE>.source.f32    random floats to quantize (varied magnitudes, all-zero blocks, single outliers,
                       constant blocks, rounding ties, ...)
  <TYPE>.quant         the expected quantized blocks
  manifest.json        {type: {"dequant": origin, "quant": origin, "blocks": n, ...}}

Usage: scripts/quant_reference.py --out DIR [--seed S]
Needs numpy and gguf (pip install gguf numpy).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

try:
    import numpy as np
    import gguf
    import gguf.quants
    from gguf import GGMLQuantizationType as T
except ImportError as error:  # the Swift tests show this message when they fail
    sys.stderr.write(f"quant_reference.py needs numpy and gguf: {error}. Run: pip install gguf numpy\n")
    sys.exit(3)

f32 = np.float32
QK_K = 256

# Offsets of the f16 scale fields in each block format (fields that must not be NaN or infinity).
HALF_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0], "Q8_1": [0, 2],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
    "IQ4_NL": [0], "IQ4_XS": [0],
}
FLOAT_FIELDS = {"Q8_K": [0]}

DEQUANT_TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                 "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ4_NL", "IQ4_XS"]
QUANT_TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
               "Q4_K", "Q5_K", "Q6_K", "Q8_K"]
GGUF_PY_QUANT = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}
GGUF_PY_DEQUANT = set(DEQUANT_TYPES) - {"Q8_1", "Q8_K"}


def sizes(name: str) -> tuple[int, int]:
    """(values, bytes) per block. gguf-py still lists Q8_1 at 40 bytes (f32 d and s); llama.cpp's
    block_q8_1 has been two f16s and 32 int8s, 36 bytes, for a long time."""
    if name == "Q8_1":
        return (32, 36)
    return gguf.constants.GGML_QUANT_SIZES[T[name]]


# ---------------------------------------------------------------------------------------------
# Random data


def random_half_bits(rng, n, subnormal_share=0.0):
    """Bit patterns of finite halves: mostly normal, a share subnormal or zero."""
    sign = rng.integers(0, 2, n, dtype=np.uint16) << 15
    exponent = rng.integers(1, 31, n, dtype=np.uint16)
    if subnormal_share:
        exponent = np.where(rng.random(n) < subnormal_share, np.uint16(0), exponent)
    mantissa = rng.integers(0, 1024, n, dtype=np.uint16)
    return (sign | (exponent << 10) | mantissa).astype(np.uint16)


def random_blocks(rng, name, n_blocks):
    block_size, type_size = sizes(name)
    if name == "F32":
        n = n_blocks
        sign = rng.integers(0, 2, n, dtype=np.uint32) << 31
        exponent = rng.integers(0, 255, n, dtype=np.uint32)  # 0 (zero/subnormal) ... 254
        mantissa = rng.integers(0, 1 << 23, n, dtype=np.uint32)
        return (sign | (exponent << 23) | mantissa).astype("<u4").view(np.uint8)
    if name == "F16":
        return random_half_bits(rng, n_blocks, subnormal_share=0.1).astype("<u2").view(np.uint8)
    if name == "BF16":
        sign = rng.integers(0, 2, n_blocks, dtype=np.uint16) << 15
        exponent = rng.integers(0, 255, n_blocks, dtype=np.uint16)
        mantissa = rng.integers(0, 128, n_blocks, dtype=np.uint16)
        return (sign | (exponent << 7) | mantissa).astype("<u2").view(np.uint8)
    blocks = rng.integers(0, 256, (n_blocks, type_size), dtype=np.uint8)
    for offset in HALF_FIELDS.get(name, []):
        halves = random_half_bits(rng, n_blocks, subnormal_share=0.03)
        # a few exact zeros as well
        halves = np.where(rng.random(n_blocks) < 0.02, np.uint16(0), halves).astype("<u2")
        blocks[:, offset:offset + 2] = halves.view(np.uint8).reshape(n_blocks, 2)
    for offset in FLOAT_FIELDS.get(name, []):
        sign = rng.integers(0, 2, n_blocks, dtype=np.uint32) << 31
        exponent = rng.integers(127 - 40, 127 + 20, n_blocks, dtype=np.uint32)
        mantissa = rng.integers(0, 1 << 23, n_blocks, dtype=np.uint32)
        bits = (sign | (exponent << 23) | mantissa).astype("<u4")
        blocks[:, offset:offset + 4] = bits.view(np.uint8).reshape(n_blocks, 4)
    return blocks.reshape(-1)


def source_block(rng, kind, n):
    scale = f32(10.0 ** rng.uniform(-3, 2))
    if kind == "normal":
        return rng.standard_normal(n).astype(f32) * scale
    if kind == "positive":
        return rng.uniform(0.1, 1.0, n).astype(f32) * scale
    if kind == "negative":
        return -rng.uniform(0.1, 1.0, n).astype(f32) * scale
    if kind == "zero":
        return np.zeros(n, f32)
    if kind == "single_outlier":
        x = np.zeros(n, f32)
        x[rng.integers(0, n)] = rng.standard_normal() * scale
        return x
    if kind == "normal_outlier":
        x = rng.standard_normal(n).astype(f32) * scale
        x[rng.integers(0, n)] *= f32(rng.choice([-60.0, 60.0]))
        return x
    if kind == "constant":
        return np.full(n, f32(rng.standard_normal() * scale), f32)
    if kind == "tiny":  # scales far below f16's normal range
        return rng.standard_normal(n).astype(f32) * f32(10.0 ** rng.uniform(-9, -5))
    if kind == "large":
        return rng.standard_normal(n).astype(f32) * f32(10.0 ** rng.uniform(2, 3.3))
    if kind == "ties":  # half-integers against a max of 127: x / d lands on .5 exactly
        x = (rng.integers(-127, 127, n) + 0.5).astype(f32)
        x[rng.integers(0, n)] = f32(127.0)
        return x * f32(2.0 ** rng.integers(-6, 3))
    if kind == "small_integers":
        return rng.integers(-8, 9, n).astype(f32) * f32(2.0 ** rng.integers(-4, 4))
    if kind == "sparse":
        x = rng.standard_normal(n).astype(f32) * scale
        x[rng.random(n) < 0.8] = 0
        return x
    if kind == "mixed":  # sub-blocks of very different magnitudes (k-quant scale quantization)
        x = rng.standard_normal(n).astype(f32)
        chunk = max(1, n // 16)
        for start in range(0, n, chunk):
            x[start:start + chunk] *= f32(10.0 ** rng.uniform(-4, 1))
        return x * scale
    raise ValueError(kind)


SOURCE_KINDS = ["normal", "positive", "negative", "zero", "single_outlier", "normal_outlier",
                "constant", "tiny", "large", "ties", "small_integers", "sparse", "mixed", "normal"]


def random_source(rng, name, n_blocks):
    block_size, _ = sizes(name)
    if name in ("F32", "F16", "BF16"):
        n = n_blocks
        magnitude = 10.0 ** rng.uniform(-9 if name != "BF16" else -42, 5.5 if name != "BF16" else 38, n)
        x = (rng.standard_normal(n) * magnitude).astype(f32)
        # exact midpoints between neighbouring representable values: round-to-even ties
        ties = n // 4
        if name == "BF16":
            bits = rng.integers(0, 0x7F7F, ties).astype(np.uint32) << 16
            x[:ties] = (bits | 0x8000).view(f32) * rng.choice([-1, 1], ties).astype(f32)
        else:
            h = random_half_bits(rng, ties, subnormal_share=0.2)
            h = h[(h & 0x7FFF) != 0x7BFF]  # keep 65504 out: its midpoint overflows
            low = h.view(np.float16).astype(f32)
            high = (h + np.uint16(1)).view(np.float16).astype(f32)
            mid = (low + high) / f32(2)  # exact in float32
            x[:len(mid)] = mid
        x[ties:ties + 8] = [0.0, -0.0, 65504.0, 65519.99, 65520.0, -65520.0, 6.1e-5, 5.96e-8]
        return x.astype(f32)
    blocks = [source_block(rng, SOURCE_KINDS[i % len(SOURCE_KINDS)], block_size) for i in range(n_blocks)]
    return np.concatenate(blocks).astype(f32)


# ---------------------------------------------------------------------------------------------
# numpy transcriptions of llama.cpp's reference C. Vectorised over blocks (or groups); loops over
# the elements of a group run in C's order so every float32 sum is accumulated the same way.


def nearest_int(v):
    """nearest_int(): round to nearest even through the float adder (1.5 * 2^23 trick)."""
    with np.errstate(all="ignore"):
        shifted = (np.asarray(v, f32) + f32(12582912.0)).astype(f32)
    return (shifted.view(np.int32) & 0x007FFFFF) - 0x00400000


def make_qkx2_quants(x, weights, nmax, rmin, rdelta, nstep):
    """make_qkx2_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, false) for each
    row of x. Returns (scale, the_min, L)."""
    groups, n = x.shape
    with np.errstate(all="ignore"):
        mn = x[:, 0].copy()
        mx = x[:, 0].copy()
        sum_w = weights[:, 0].copy()
        sum_x = sum_w * x[:, 0]
        for i in range(1, n):
            mn = np.where(x[:, i] < mn, x[:, i], mn)
            mx = np.where(x[:, i] > mx, x[:, i], mx)
            w = weights[:, i]
            sum_w = sum_w + w
            sum_x = sum_x + w * x[:, i]
        mn = np.where(mn > 0, f32(0), mn).astype(f32)
        flat = mx == mn
        iscale = f32(nmax) / (mx - mn)
        scale = f32(1) / iscale
        levels = np.zeros((groups, n), np.int32)
        best_error = np.zeros(groups, f32)
        for i in range(n):
            l = np.clip(nearest_int(iscale * (x[:, i] - mn)), 0, nmax)
            levels[:, i] = l
            diff = scale * l.astype(f32) + mn - x[:, i]
            diff = diff * diff
            best_error = best_error + weights[:, i] * diff
        for step in range(nstep + 1):
            iscale = (f32(rmin) + f32(rdelta) * f32(step) + f32(nmax)) / (mx - mn)
            sum_l = np.zeros(groups, f32)
            sum_l2 = np.zeros(groups, f32)
            sum_xl = np.zeros(groups, f32)
            aux = np.zeros((groups, n), np.int32)
            for i in range(n):
                l = np.clip(nearest_int(iscale * (x[:, i] - mn)), 0, nmax)
                aux[:, i] = l
                w = weights[:, i]
                lf = l.astype(f32)
                sum_l = sum_l + w * lf
                sum_l2 = sum_l2 + w * lf * lf
                sum_xl = sum_xl + w * lf * x[:, i]
            det = sum_w * sum_l2 - sum_l * sum_l
            this_scale = (sum_w * sum_xl - sum_x * sum_l) / det
            this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det
            positive_min = this_min > 0
            this_min = np.where(positive_min, f32(0), this_min).astype(f32)
            this_scale = np.where(positive_min, sum_xl / sum_l2, this_scale).astype(f32)
            cur_error = np.zeros(groups, f32)
            for i in range(n):
                diff = this_scale * aux[:, i].astype(f32) + this_min - x[:, i]
                diff = diff * diff
                cur_error = cur_error + weights[:, i] * diff
            better = (det > 0) & (cur_error < best_error)
            levels = np.where(better[:, None], aux, levels)
            best_error = np.where(better, cur_error, best_error).astype(f32)
            scale = np.where(better, this_scale, scale).astype(f32)
            mn = np.where(better, this_min, mn).astype(f32)
    levels[flat] = 0
    scale = np.where(flat, f32(0), scale).astype(f32)
    return scale, (-mn).astype(f32), levels


def make_qx_quants_rmse1(x, nmax):
    """make_qx_quants(n, nmax, x, L, 1, NULL) for each row of x. Returns (scale, L + nmax)."""
    groups, n = x.shape
    with np.errstate(all="ignore"):
        amax = np.zeros(groups, f32)
        mx = np.zeros(groups, f32)
        for i in range(n):
            ax = np.abs(x[:, i])
            bigger = ax > amax
            amax = np.where(bigger, ax, amax)
            mx = np.where(bigger, x[:, i], mx)
        zero = amax < f32(1e-15)
        iscale = f32(-nmax) / mx
        levels = np.zeros((groups, n), np.int32)
        sumlx = np.zeros(groups, f32)
        suml2 = np.zeros(groups, f32)
        for i in range(n):
            l = np.clip(nearest_int(iscale * x[:, i]), -nmax, nmax - 1)
            levels[:, i] = l + nmax
            w = x[:, i] * x[:, i]
            lf = l.astype(f32)
            sumlx = sumlx + w * x[:, i] * lf
            suml2 = suml2 + w * lf * lf
        scale = np.where(suml2 != 0, sumlx / suml2, f32(0)).astype(f32)
        best = scale * sumlx
        for step in range(-9, 10):
            if step == 0:
                continue
            iscale = -(f32(nmax) + f32(0.1) * f32(step)) / mx
            sumlx = np.zeros(groups, f32)
            suml2 = np.zeros(groups, f32)
            trial = np.zeros((groups, n), np.int32)
            for i in range(n):
                l = np.clip(nearest_int(iscale * x[:, i]), -nmax, nmax - 1)
                trial[:, i] = l + nmax
                w = x[:, i] * x[:, i]
                lf = l.astype(f32)
                sumlx = sumlx + w * x[:, i] * lf
                suml2 = suml2 + w * lf * lf
            better = (suml2 > 0) & (sumlx * sumlx > best * suml2)
            levels = np.where(better[:, None], trial, levels)
            scale = np.where(better, sumlx / suml2, scale).astype(f32)
            best = np.where(better, scale * sumlx, best).astype(f32)
    levels[zero] = 0
    scale = np.where(zero, f32(0), scale).astype(f32)
    return scale, levels


def half_bytes(values):
    return np.asarray(values, f32).astype(np.float16).astype("<f2").view(np.uint8).reshape(-1, 2)


def quantize_k_with_min(x, nmax, rmin, nstep):
    """quantize_row_q4_K_ref (nmax 15) / quantize_row_q5_K_ref (nmax 31)."""
    n_blocks = x.size // QK_K
    xs = x.reshape(n_blocks, 8, 32)
    sum_x2 = np.zeros((n_blocks, 8), f32)
    for l in range(32):
        sum_x2 = sum_x2 + xs[:, :, l] * xs[:, :, l]
    av_x = np.sqrt(sum_x2 / f32(32)).astype(f32)
    weights = (av_x[:, :, None] + np.abs(xs)).astype(f32)
    scales, mins, levels = make_qkx2_quants(xs.reshape(-1, 32), weights.reshape(-1, 32), nmax, rmin, 0.1, nstep)
    scales = scales.reshape(n_blocks, 8)
    mins = mins.reshape(n_blocks, 8)
    levels = levels.reshape(n_blocks, 8, 32)
    max_scale = np.zeros(n_blocks, f32)
    max_min = np.zeros(n_blocks, f32)
    for j in range(8):
        max_scale = np.where(scales[:, j] > max_scale, scales[:, j], max_scale)
        max_min = np.where(mins[:, j] > max_min, mins[:, j], max_min)
    with np.errstate(all="ignore"):
        inv_scale = np.where(max_scale > 0, f32(63) / max_scale, f32(0)).astype(f32)
        inv_min = np.where(max_min > 0, f32(63) / max_min, f32(0)).astype(f32)
    ls = np.minimum(63, nearest_int(inv_scale[:, None] * scales) & 0xFF).astype(np.uint8)
    lm = np.minimum(63, nearest_int(inv_min[:, None] * mins) & 0xFF).astype(np.uint8)
    packed = np.zeros((n_blocks, 12), np.uint8)
    for j in range(8):
        if j < 4:
            packed[:, j] = ls[:, j]
            packed[:, j + 4] = lm[:, j]
        else:
            packed[:, j + 4] = (ls[:, j] & 0xF) | ((lm[:, j] & 0xF) << 4)
            packed[:, j - 4] |= (ls[:, j] >> 4) << 6
            packed[:, j] |= (lm[:, j] >> 4) << 6
    d_bytes = half_bytes(max_scale / f32(63))
    dmin_bytes = half_bytes(max_min / f32(63))
    d = d_bytes.copy().view("<f2").reshape(-1).astype(f32)
    dmin = dmin_bytes.copy().view("<f2").reshape(-1).astype(f32)
    with np.errstate(all="ignore"):
        for j in range(8):
            dj = d * ls[:, j].astype(f32)
            dm = dmin * lm[:, j].astype(f32)
            for i in range(32):
                l = np.clip(nearest_int((xs[:, j, i] + dm) / dj), 0, nmax)
                levels[:, j, i] = np.where(dj != 0, l, levels[:, j, i])
    levels = levels.reshape(n_blocks, 4, 2, 32).astype(np.uint8)
    low, high = levels[:, :, 0, :], levels[:, :, 1, :]
    if nmax == 15:
        qs = (low | (high << 4)).reshape(n_blocks, 128)
        return np.concatenate([d_bytes, dmin_bytes, packed, qs], axis=1).reshape(-1)
    qh = np.zeros((n_blocks, 32), np.uint8)
    for chunk in range(4):
        qh |= ((low[:, chunk] > 15).astype(np.uint8) << (2 * chunk))
        qh |= ((high[:, chunk] > 15).astype(np.uint8) << (2 * chunk + 1))
    qs = ((low & 0xF) | ((high & 0xF) << 4)).reshape(n_blocks, 128)
    return np.concatenate([d_bytes, dmin_bytes, packed, qh, qs], axis=1).reshape(-1)


def quantize_q6_k(x):
    """quantize_row_q6_K_ref."""
    n_blocks = x.size // QK_K
    scales, levels = make_qx_quants_rmse1(x.reshape(-1, 16), 32)
    scales = scales.reshape(n_blocks, 16)
    levels = levels.reshape(n_blocks, 16, 16)
    max_scale = np.zeros(n_blocks, f32)
    max_abs = np.zeros(n_blocks, f32)
    for j in range(16):
        bigger = np.abs(scales[:, j]) > max_abs
        max_abs = np.where(bigger, np.abs(scales[:, j]), max_abs)
        max_scale = np.where(bigger, scales[:, j], max_scale)
    zero = max_abs < f32(1e-15)
    with np.errstate(all="ignore"):
        iscale = (f32(-128) / max_scale).astype(f32)
        d_bytes = half_bytes(f32(1) / iscale)
        sc = np.minimum(127, nearest_int(iscale[:, None] * scales)).astype(np.int8)
        d = d_bytes.copy().view("<f2").reshape(-1).astype(f32)
        xs = x.reshape(n_blocks, 16, 16)
        for j in range(16):
            dj = d * sc[:, j].astype(f32)
            for i in range(16):
                l = np.clip(nearest_int(xs[:, j, i] / dj), -32, 31) + 32
                levels[:, j, i] = np.where(dj != 0, l, levels[:, j, i])
    L = levels.reshape(n_blocks, 2, 4, 32).astype(np.uint8)  # [half][quarter][l]
    ql = np.concatenate([(L[:, :, 0] & 0xF) | ((L[:, :, 2] & 0xF) << 4),
                         (L[:, :, 1] & 0xF) | ((L[:, :, 3] & 0xF) << 4)], axis=2).reshape(n_blocks, 128)
    qh = ((L[:, :, 0] >> 4) | ((L[:, :, 1] >> 4) << 2) | ((L[:, :, 2] >> 4) << 4) | ((L[:, :, 3] >> 4) << 6))
    qh = qh.reshape(n_blocks, 64)
    out = np.concatenate([ql, qh, sc.view(np.uint8), d_bytes], axis=1)
    out[zero] = 0
    return out.reshape(-1)


def quantize_q8_1(x):
    """quantize_row_q8_1_ref."""
    blocks = x.reshape(-1, 32)
    d = (np.abs(blocks).max(axis=1) / f32(127)).astype(f32)
    with np.errstate(divide="ignore"):
        inverse = np.where(d == 0, f32(0), f32(1) / d).astype(f32)
    qs = gguf.quants.np_roundf((blocks * inverse[:, None]).astype(f32)).astype(np.int8)
    total = qs.astype(np.int32).sum(axis=1).astype(f32)
    return np.concatenate([half_bytes(d), half_bytes(total * d), qs.view(np.uint8)], axis=1).reshape(-1)


def quantize_q8_k(x):
    """quantize_row_q8_K_ref (an all-zero block gets zero sums; C leaves them unwritten)."""
    blocks = x.reshape(-1, QK_K)
    n_blocks = blocks.shape[0]
    index = np.abs(blocks).argmax(axis=1)  # first of the largest magnitudes, like `ax > amax`
    mx = blocks[np.arange(n_blocks), index]
    zero = np.abs(mx) == 0
    with np.errstate(all="ignore"):
        iscale = (f32(-127) / mx).astype(f32)
        qs = np.minimum(127, nearest_int(iscale[:, None] * blocks)).astype(np.int8)
        d = (f32(1) / iscale).astype(f32)
    qs[zero] = 0
    d = np.where(zero, f32(0), d).astype("<f4")
    bsums = qs.astype(np.int32).reshape(n_blocks, 16, 16).sum(axis=2).astype("<i2")
    return np.concatenate([d.view(np.uint8).reshape(n_blocks, 4), qs.view(np.uint8),
                           bsums.view(np.uint8).reshape(n_blocks, 32)], axis=1).reshape(-1)


def dequantize_q8_1(blocks):
    """Q8_1 read as Q8_0 (llama.cpp has no dequantize_row_q8_1): float(q) * d; s is ignored."""
    b = blocks.reshape(-1, 36)
    d = b[:, 0:2].copy().view("<f2").astype(f32)
    return (b[:, 4:].copy().view(np.int8).astype(f32) * d).reshape(-1)


def dequantize_q8_k(blocks):
    """dequantize_row_q8_K: d * float(q)."""
    b = blocks.reshape(-1, 292)
    d = b[:, 0:4].copy().view("<f4").astype(f32)
    return (d * b[:, 4:260].copy().view(np.int8).astype(f32)).reshape(-1)


# ---------------------------------------------------------------------------------------------


def dequantize(name, blocks):
    if name == "Q8_1":
        return dequantize_q8_1(blocks)
    if name == "Q8_K":
        return dequantize_q8_k(blocks)
    return np.asarray(gguf.quants.dequantize(blocks, T[name]), f32).reshape(-1)


def quantize(name, source):
    if name == "Q8_1":
        return quantize_q8_1(source)
    if name == "Q8_K":
        return quantize_q8_k(source)
    if name == "Q4_K":
        return quantize_k_with_min(source, 15, -1.0, 20)
    if name == "Q5_K":
        return quantize_k_with_min(source, 31, -0.5, 15)
    if name == "Q6_K":
        return quantize_q6_k(source)
    with np.errstate(over="ignore"):  # F16: values past 65504 become infinity, as intended
        return np.asarray(gguf.quants.quantize(source, T[name])).view(np.uint8).reshape(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write into (created if missing)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--blocks", type=int, default=0,
                        help="blocks per format (default: 512 of 32 values, 192 of 256, 8192 plain values)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    manifest = {}

    def block_count(name):
        if args.blocks:
            return args.blocks
        block_size, _ = sizes(name)
        return {1: 8192, 32: 512, 256: 192}[block_size]

    for name in DEQUANT_TYPES:
        n_blocks = block_count(name)
        blocks = random_blocks(rng, name, n_blocks)
        values = dequantize(name, blocks)
        block_size, type_size = sizes(name)
        assert blocks.size == n_blocks * type_size and values.size == n_blocks * block_size, name
        blocks.tofile(os.path.join(args.out, f"{name}.blocks"))
        values.astype("<f4").tofile(os.path.join(args.out, f"{name}.dequant.f32"))
        manifest.setdefault(name, {})["dequant"] = "gguf-py" if name in GGUF_PY_DEQUANT else "llama.cpp-transcription"
        manifest[name]["dequant_blocks"] = n_blocks

    for name in QUANT_TYPES:
        n_blocks = block_count(name)
        source = random_source(rng, name, n_blocks)
        quantized = quantize(name, source)
        block_size, type_size = sizes(name)
        assert source.size == n_blocks * block_size and quantized.size == n_blocks * type_size, name
        source.astype("<f4").tofile(os.path.join(args.out, f"{name}.source.f32"))
        quantized.tofile(os.path.join(args.out, f"{name}.quant"))
        manifest.setdefault(name, {})["quant"] = "gguf-py" if name in GGUF_PY_QUANT else "llama.cpp-transcription"
        manifest[name]["quant_blocks"] = n_blocks

    manifest["_meta"] = {"seed": args.seed, "gguf": getattr(gguf, "__version__", "unknown"), "numpy": np.__version__}
    with open(os.path.join(args.out, "manifest.json"), "w") as file:
        json.dump(manifest, file, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
