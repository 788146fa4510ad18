"""Kernel tests, one file per kernels family (a package, so that their names
may repeat those of the tests above them)."""
