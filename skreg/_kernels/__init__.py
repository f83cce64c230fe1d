"""numba kernels: functions of arrays and scalars only, compiled by skreg._numba."""
