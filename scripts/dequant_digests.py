#!/usr/bin/env python3
"""Prints, for every tensor of a GGUF file, its name and the SHA-256 of its values dequantized to
little-endian float32 by the gguf package's reference code (gguf.quants.dequantize).

The test suite compares these digests with Realizar's own dequantization: equal digests mean
bit-identical values. Usage: dequant_digests.py MODEL.gguf
"""
import hashlib
import sys

try:
    import numpy as np
    from gguf import GGUFReader
    from gguf.quants import dequantize
except ImportError as error:
    sys.exit("missing Python package (%s): pip install gguf numpy" % error)

reader = GGUFReader(sys.argv[1])
for tensor in reader.tensors:
    values = dequantize(tensor.data, tensor.tensor_type)
    digest = hashlib.sha256(np.ascontiguousarray(values, dtype="<f4").tobytes()).hexdigest()
    print("%s\t%s\t%s" % (tensor.name, tensor.tensor_type.name, digest))
