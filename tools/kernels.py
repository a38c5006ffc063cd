"""Which CPU kernels torch's maths runs on: the configurations that notebooks are recorded and checked under.

The same notebook gives other last bits on another CPU: MKL, oneDNN and ATen each pick a code path
for the instruction set they find (AVX2, AVX-512, AMX), and each path sums in its own order.
Three environment variables, read when a process starts, fix those choices:

- `ATEN_CPU_CAPABILITY`, read by PyTorch's own kernels (element-wise maths, reductions, softmax):
  `default` (no vector code), `avx2`, `avx512`;
- `ONEDNN_MAX_CPU_ISA`, read by oneDNN (convolutions, recurrent layers, bfloat16 products):
  `SSE41`, `AVX2`, `AVX512_CORE`, ...;
- `MKL_CBWR`, read by MKL (float32 matrix products, vector maths such as `sqrt`): `COMPATIBLE`,
  `AVX2`, ...: MKL's conditional numerical reproducibility.

`make test`, `make notebooks` and `make determinism` run under `RECORDING`, everything capped at
AVX2: a CPU with AVX-512 or AMX then runs PyTorch's and oneDNN's AVX2 code, as an AVX2-only CPU
does, and on Intel CPUs MKL runs its AVX2 branch in its reproducible mode (on an Intel CPU with
AVX-512 the doctest of `snippets.collab.rmse` then prints the last digit an AVX2 CPU prints). MKL
honours `MKL_CBWR=AVX2` on Intel CPUs only: on others it runs its automatic branch, so an AMD
machine and an Intel one may still differ there. What differs (MKL across vendors, and the
blockings oneDNN and MKL choose by cache size) is absorbed by the tolerance each notebook declares
(`tools.tolerance`). `make crosscheck` re-executes everything
under each configuration below, to show that a notebook's outputs and claims survive a change of
kernels. On an AVX2-only AMD EPYC `native` and `avx2` gave the same bits and the other two moved
results; on an Intel Xeon with AVX-512 and AMX all three others moved results, and the notebooks
recorded on the AMD machine under `avx2` moved there too, within what each notebook declares.
PyTorch's own kernels stay at AVX2 in all but `native`: under the cap every x86 CPU runs the same
compiled AVX2 code for them, so they are not where another CPU differs (with no vector code at all,
`ATEN_CPU_CAPABILITY=default`, their transcendental functions round differently, which moves
results further than another CPU does).

`python -m tools.kernels avx2` prints a configuration as `NAME=value` words for `env` (the Makefile
uses it, so the names and values live here only).
"""

from __future__ import annotations

import os
import platform
import sys

CONFIGURATIONS: dict[str, dict[str, str]] = {
    # the machine's full instruction set: what a reader gets by default
    "native": {},
    # everything capped at AVX2, the instruction set most x86 CPUs of the last ten years have
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"},
    # MKL's path that gives the same bits on any x86 CPU (SSE2 code), the rest at AVX2: MKL's sums in
    # another order, as MKL on another CPU may sum them
    "mkl-compatible": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "COMPATIBLE"},
    # oneDNN's SSE4.1 code, the rest at AVX2: convolutions and recurrent layers in another order, as
    # oneDNN may block them otherwise on a CPU with other cache sizes
    "onednn-sse41": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_CBWR": "AVX2"},
}
RECORDING = "avx2"
"""The configuration that `make notebooks` records outputs under and that `make test` checks them under."""
GUARD = "mkl-compatible"
"""The configuration `make test`'s determinism check runs its notebook under: not the recording one."""
VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")


def environment(name: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a process that should run under configuration `name`.

    The three variables are removed from `base` (default: this process's environment) and set as
    the configuration says, so that `native` really is the machine's own choice.

    Raises:
        ValueError: naming the configurations there are, if `name` is not one of them.

    Example:
        >>> env = environment("mkl-compatible", {"PATH": "/bin", "MKL_CBWR": "AVX2"})
        >>> env["PATH"], env["MKL_CBWR"], env["ATEN_CPU_CAPABILITY"]
        ('/bin', 'COMPATIBLE', 'avx2')
        >>> environment("native", {"MKL_CBWR": "AVX2"})
        {}
    """
    if name not in CONFIGURATIONS:
        raise ValueError(f"no kernel configuration {name!r}: choose one of {', '.join(CONFIGURATIONS)}")
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in VARIABLES}
    return {**env, **CONFIGURATIONS[name]}


def active(env: dict[str, str] | None = None) -> str:
    """The configuration that `env` (default: this process's environment) sets, or `custom`.

    Example:
        >>> active({"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2", "HOME": "/"})
        'avx2'
        >>> active({}), active({"MKL_CBWR": "AVX"})
        ('native', 'custom')
    """
    env = os.environ if env is None else env
    current = {k: env.get(k) for k in VARIABLES}
    for name, config in CONFIGURATIONS.items():
        if current == {k: config.get(k) for k in VARIABLES}:
            return name
    return "custom"


def cpu_name() -> str:
    """The CPU's model name as Linux reports it (`/proc/cpuinfo`), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    print(" ".join(f"{k}={v}" for k, v in CONFIGURATIONS[sys.argv[1] if len(sys.argv) > 1 else RECORDING].items()))
