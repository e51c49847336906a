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
from numba import njit

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_C1, _C2, _C3 = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_IDX_SALT = np.uint64(0x632BE59BD9B4E019)


def stream(name: str, seed: int, rep: int = 0) -> np.random.Generator:
    """Return the generator of process ``name`` for root ``seed`` and replicate ``rep``."""
    ss = np.random.SeedSequence([int(seed), int(rep), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(ss))


def _splitmix(x: np.ndarray) -> np.ndarray:
    # Array arithmetic on uint64 wraps silently (the hash relies on it); a 0-d input is made
    # 1-d so that numpy's scalar overflow warning never applies. No ``np.errstate`` here: it
    # costs more than the hash on the small arrays of the hot path.
    z = np.atleast_1d(x) + _C1
    z = (z ^ (z >> _S30)) * _C2
    z = (z ^ (z >> _S27)) * _C3
    return z ^ (z >> _S31)


def _to_unit(z: np.ndarray) -> np.ndarray:
    return ((z >> _S11).astype(np.float64) + 0.5) / float(1 << 53)


def child_key(seed: int, rep: int, la: int, serial: int) -> int:
    """A 64-bit key naming one child: its LA and its entry serial within that LA."""
    base = np.array([(int(seed) * 1_000_003 + int(rep)) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
    k = _splitmix(base ^ np.uint64((int(la) << 40) | (int(serial) & 0xFFFFFFFFFF)))
    return int(k[0])


def child_uniforms(key: int, n: int, offset: int = 0) -> np.ndarray:
    """Return ``n`` uniforms in (0, 1) for the child with ``key``, draws ``offset..offset+n``."""
    idx = np.arange(offset, offset + n, dtype=np.uint64)
    return _to_unit(_splitmix(np.uint64(key) ^ _splitmix(idx + _IDX_SALT)))


_IDX_HASH: dict[int, np.ndarray] = {}


def child_uniforms_batch(keys: np.ndarray, n: int) -> np.ndarray:
    """Uniforms for many children at once: row i equals ``child_uniforms(keys[i], n)``."""
    keys = np.asarray(keys, dtype=np.uint64)
    h = _IDX_HASH.get(n)
    if h is None:
        h = _IDX_HASH[n] = _splitmix(np.arange(n, dtype=np.uint64) + _IDX_SALT)
    return _to_unit(_splitmix(keys[:, None] ^ h[None, :]))


def child_keys(seed: int, rep: int, la: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Vectorised ``child_key``."""
    base = np.uint64((int(seed) * 1_000_003 + int(rep)) & 0xFFFFFFFFFFFFFFFF)
    la = np.asarray(la, dtype=np.uint64)
    serial = np.asarray(serial, dtype=np.uint64) & np.uint64(0xFFFFFFFFFF)
    return _splitmix(base ^ ((la << np.uint64(40)) | serial))


def keyed_uniforms(name: str, seed: int, rep: int, ids) -> np.ndarray:
    """One uniform in (0, 1) per integer id (e.g. a provider's index).

    Fixed by the name, seed, replicate and id: nothing a policy can do shifts it.
    """
    key = np.uint64(child_key(seed, rep, zlib.crc32(name.encode()) & 0xFFFFFF, 0))
    ids = np.asarray(ids, dtype=np.uint64)
    return _to_unit(_splitmix(key ^ _splitmix(ids + _IDX_SALT)))


@njit(cache=True)
def _splitmix_nb(z):  # pragma: no cover - compiled
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def uniforms_kernel(base, la, serial, n):  # pragma: no cover - compiled
    """Each child's ``n`` uniforms from (LA, serial) under ``base`` (``uniforms_of``), compiled."""
    out = np.empty((len(la), n))
    for i in range(len(la)):
        key = _splitmix_nb(
            base
            ^ (
                (np.uint64(la[i]) << np.uint64(40))
                | (np.uint64(serial[i]) & np.uint64(0xFFFFFFFFFF))
            )
        )
        for j in range(n):
            z = _splitmix_nb(key ^ _splitmix_nb(np.uint64(j) + np.uint64(0x632BE59BD9B4E019)))
            out[i, j] = (np.float64(z >> np.uint64(11)) + 0.5) / 9007199254740992.0
    return out


def uniforms_base(seed: int, rep: int) -> np.uint64:
    """The key base of replicate ``rep`` of root ``seed`` that ``uniforms_kernel`` takes."""
    return np.uint64((int(seed) * 1_000_003 + int(rep)) & 0xFFFFFFFFFFFFFFFF)


def uniforms_of(seed: int, rep: int, la: np.ndarray, serial: np.ndarray, n: int) -> np.ndarray:
    """``child_uniforms_batch(child_keys(seed, rep, la, serial), n)``, compiled (bit for bit)."""
    base = uniforms_base(seed, rep)
    return uniforms_kernel(base, np.asarray(la, np.int64), np.asarray(serial, np.int64), int(n))
