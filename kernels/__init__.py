"""Kernels of minidl (installed as ``minidl.kernels``): ``cpu`` holds the CPU
side (NumPy and Numba kernels), ``cuda`` the numba.cuda side, file for file
the same families with the same public functions; ``checks`` holds the
argument checks both sides run before any kernel.

Importing this package changes nothing in the process: no environment
variable, no allocator setting (see ``minidl.kernels.cpu.threads`` for how
the CPU kernels share the cores with BLAS and other libraries).
"""
