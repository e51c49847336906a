"""Special functions for compiled code: SciPy's own, called from numba kernels.

This module owns the bridge from numba to SciPy's special functions. numba cannot call a
``scipy.special`` ufunc, so the C function behind it (``scipy.special.cython_special``, the
same code the ufunc runs) is registered with LLVM under a name of ours and declared as an
external function: compiled code calls it by that name, which keeps the kernels cacheable
(the address is looked up when the cached code is loaded, not baked into it). Results are
SciPy's bit for bit (``tests/test_entry.py`` checks).
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm
import scipy.special.cython_special as cython_special
from numba import types

# The C signature SciPy exports for ``gammaincinv`` (a ``cpdef`` function of two doubles).
_SIGNATURE = b"double (double, double, int __pyx_skip_dispatch)"


def _register(name: str, symbol: str) -> None:
    capsule = cython_special.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    signature = get_name(capsule)
    if signature != _SIGNATURE:
        raise ImportError(
            f"scipy.special.cython_special.{name} has the C signature {signature!r}, "
            f"expected {_SIGNATURE!r}: this SciPy is not supported"
        )
    llvm.add_symbol(symbol, get_pointer(capsule, signature))


_register("gammaincinv", "sim_scipy_gammaincinv")
# gammaincinv(a, y, 0): x with the regularised lower incomplete gamma P(a, x) = y (the third
# argument is Cython's skip-dispatch flag).
gammaincinv = types.ExternalFunction(
    "sim_scipy_gammaincinv", types.float64(types.float64, types.float64, types.intc)
)
