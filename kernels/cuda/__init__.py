"""CUDA kernels of minidl (installed as ``minidl.kernels.cuda``): ``@cuda.jit``
kernels, each with the host launcher that validates its inputs and picks the
launch shape; the CUDA backend (``minidl.backend.cuda``) delegates to them.

One file per family: ``elementwise``, ``reduce``, ``layout`` (creation,
transfer, shape, indexing, copies, and what a CUDA array is), ``matmul``,
``batchnorm``, ``im2col``, ``pooling``, ``softmax_ce``, ``optim`` and
``random``: the same file names, and in each file the same public functions
(its ``__all__``), as ``minidl.kernels.cpu``; argument checks shared with the
CPU live in ``minidl.kernels.checks``.  Files of this side alone: ``config``
(block sizes, ``jit`` with cache=True, the check that a kernel compiles and
runs), ``memory`` (the caching EMM allocator) and ``signatures`` (every kernel
with the argument types its launcher passes, for the compile check).

Importing this package needs ``numba.cuda`` (from the ``numba-cuda`` package,
the project's ``cuda`` extra) and either a usable GPU or the simulator
(``NUMBA_ENABLE_CUDASIM=1``) to launch anything; it compiles nothing.
"""
