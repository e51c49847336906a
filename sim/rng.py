"""Named random streams and per-child counter-based draws (common random numbers).

This module owns every source of randomness in the model. Each decision process gets its own
``numpy.random.Generator`` seeded from the root seed, the replicate number and a stable CRC32
of the process name, so replicate k of every scenario shares its random numbers. A child's
futures (time to exit, breakdown thresholds, care-plan draws) come from ``child_uniforms``, a
SplitMix64 hash of (seed, replicate, LA, the LA's entry serial, draw index): they depend on
nothing a policy can change except whether the child exists, so scenarios differ by policy,
not noise. Nothing here touches global random state.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def stream(name: str, seed: int, rep: int = 0) -> np.random.Generator:
    """Return the generator of process ``name`` for root ``seed`` and replicate ``rep``."""
    ss = np.random.SeedSequence([int(seed), int(rep), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(ss))


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def child_key(seed: int, rep: int, la: int, serial: int) -> int:
    """A 64-bit key naming one child: its LA and its entry serial within that LA."""
    base = np.array([(int(seed) * 1_000_003 + int(rep)) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = _splitmix(base ^ np.uint64((int(la) << 40) | (int(serial) & 0xFFFFFFFFFF)))
    return int(k[0])


def child_uniforms(key: int, n: int, offset: int = 0) -> np.ndarray:
    """Return ``n`` uniforms in (0, 1) for the child with ``key``, draws ``offset..offset+n``."""
    idx = np.arange(offset, offset + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = _splitmix(np.uint64(key) ^ _splitmix(idx + np.uint64(0x632BE59BD9B4E019)))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def child_uniforms_batch(keys: np.ndarray, n: int) -> np.ndarray:
    """Uniforms for many children at once: row i equals ``child_uniforms(keys[i], n)``."""
    keys = np.asarray(keys, dtype=np.uint64)
    idx = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = _splitmix(keys[:, None] ^ _splitmix(idx + np.uint64(0x632BE59BD9B4E019))[None, :])
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def child_keys(seed: int, rep: int, la: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Vectorised ``child_key``."""
    base = np.uint64((int(seed) * 1_000_003 + int(rep)) & 0xFFFFFFFFFFFFFFFF)
    la = np.asarray(la, dtype=np.uint64)
    serial = np.asarray(serial, dtype=np.uint64) & np.uint64(0xFFFFFFFFFF)
    with np.errstate(over="ignore"):
        return _splitmix(base ^ ((la << np.uint64(40)) | serial))


def keyed_uniforms(name: str, seed: int, rep: int, ids) -> np.ndarray:
    """One uniform in (0, 1) per integer id (e.g. a provider's index).

    Fixed by the name, seed, replicate and id: nothing a policy does can shift it.
    """
    key = np.uint64(child_key(seed, rep, zlib.crc32(name.encode()) & 0xFFFFFF, 0))
    ids = np.asarray(ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = _splitmix(key ^ _splitmix(ids + np.uint64(0x632BE59BD9B4E019)))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
