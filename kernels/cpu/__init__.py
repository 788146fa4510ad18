"""CPU kernels of minidl (installed as ``minidl.kernels.cpu``): the functions
the CPU backend (``minidl.backend.cpu``) delegates to, one file per family.

``elementwise``, ``reduce``, ``layout`` (creation, transfer, shape, indexing,
copies), ``matmul``, ``batchnorm``, ``im2col``, ``pooling``, ``softmax_ce``,
``optim`` and ``random``: the same file names, and in each file the same
public functions (its ``__all__``), as ``minidl.kernels.cuda``.  Where NumPy
is the best tool the function is thin NumPy; the rest are Numba kernels
(``@njit``, compiled on first use and cached) with a launcher beside each
that validates its inputs (TypeError for a wrong type or dtype, ValueError
naming the function and the offending shape or value, checks shared with the
CUDA side in ``minidl.kernels.checks``), makes them C-contiguous and
allocates the outputs in the input's float dtype.

Two helpers of the CPU side alone (as ``config`` is the CUDA side's):
``threads`` (minidl's thread pool, the grain size below which kernels run
serially, BLAS held to one thread inside minidl's products) and ``memory``
(the cache that large result arrays come from).
"""
