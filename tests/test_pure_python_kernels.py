"""Run the kernel tests once more with numba switched off (NUMBA_DISABLE_JIT=1).

The pure-Python reading of every kernel is the reference implementation; a
kernel that only works compiled (or only uncompiled) fails here.
"""

import os
import pathlib
import subprocess
import sys

# The MLP kernel tests run themselves without JIT (test_mlp_kernels.py).
KERNEL_TESTS = [pathlib.Path(__file__).parent / "_kernels"]


def test_kernel_tests_pass_without_jit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *[str(path) for path in KERNEL_TESTS],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
