#!/bin/bash
# What the software in this machine (run it in the guest: scripts/avx2-vm/run.sh scripts/avx2-vm/probe.sh)
# sees of the CPU: the kernel's CPU flags and XCR0, the harness's SIMD path (bench), and the path each
# peer picks — NumPy's BLAS library (and OpenBLAS's core, if it is OpenBLAS), Numba's LLVM target CPU
# and features, PyTorch's CPU capability. Build the harness first (dotnet build Experiments -c Release).
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=/usr/bin/python3
section() { printf '\n== %s\n' "$*"; }

section "CPU (/proc/cpuinfo, kernel)"
grep -m1 '^model name' /proc/cpuinfo
flags=$(grep -m1 '^flags' /proc/cpuinfo)
for f in avx avx2 fma f16c bmi2; do
    case " ${flags#*:} " in *" $f "*) echo "flag $f: yes" ;; *) echo "flag $f: NO" ;; esac
done
avx512=$(echo "$flags" | grep -o 'avx512[a-z0-9_]*' | tr '\n' ' ')
echo "avx512 flags: ${avx512:-none}"
# The kernel prints the XSAVE features it enabled, i.e. XCR0 (0x7 = x87|SSE|AVX; AVX-512 adds 0xe0).
dmesg 2>/dev/null | grep -E 'x86/fpu: (Supporting XSAVE|Enabled xstate)' | sed 's/^\[[ 0-9.]*\] //'

section ".NET harness: bench --plain --n 20000 --steps 50"
dll=$(ls "$repo"/Experiments/bin/Release/net*/Diffusion.Verify.Experiments.dll 2>/dev/null | head -n 1)
if [[ -z $dll ]]; then
    echo "not built: dotnet build Experiments -c Release (on the host)"
else
    dotnet "$dll" bench --plain --n 20000 --steps 50
fi

section "NumPy: BLAS"
env | grep '^OPENBLAS' || echo "no OPENBLAS_* variables"
OPENBLAS_VERBOSE=2 "$python" - <<'EOF'
import os, numpy as np
a = np.ones((64, 64)); a @ a
libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and "/" in line})
print("numpy", np.__version__, "maps:", ", ".join(os.path.realpath(l) for l in libs) or "no BLAS library")
try:
    from threadpoolctl import threadpool_info
    for i in threadpool_info():
        print("threadpoolctl:", {k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")})
except ImportError:
    print("threadpoolctl: not installed")
EOF

section "Numba: target CPU"
numba -s 2>/dev/null | grep -E '^(CPU Name|LLVM Version)' | sed 's/  */ /g' || echo "numba -s failed"
"$python" -c 'import numba.core.config as c, llvmlite.binding as ll; print("llvm host cpu:", ll.get_host_cpu_name(), "| numba target cpu override:", c.CPU_NAME, "| features on:", " ".join(sorted(f[1:] for f in ll.get_host_cpu_features().flatten().split(",") if f[1:].startswith(("avx", "fma")) and f[0] == "+")))'

section "PyTorch: CPU capability"
"$python" -c '
import torch
cap = torch.backends.cpu.get_cpu_capability() if hasattr(getattr(torch.backends, "cpu", None), "get_cpu_capability") else None
line = [l.strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l]
print("torch", torch.__version__, "| get_cpu_capability:", cap or "n/a in this version", "|", *line)'
