#!/usr/bin/env bash
# Installs the peers from Debian's packages, builds the harness, and runs both interleaved:
#   benchmarks/peers/run.sh [--runs R] [--sweep | --sizes d,K[,N[,T]] ...] [--threads n] [--isa native|avx2]
# One table: implementation, sample-steps/s (median of R runs), GFLOP/s (bench's flop model), harness ÷ it.
# The harness runs as `bench --dimension d --components K --plain` at every size. Exit 1 when the peers' checksums or the harness cross-check disagree.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python=/usr/bin/python3   # the distribution's Python, where the Debian packages install

# libopenblas0-pthread: without it Debian's NumPy and PyTorch link the reference BLAS (libblas3), which no
# user who cares about speed keeps; threadpoolctl reports which OpenBLAS kernel was chosen.
if ! "$python" -c 'import numpy, torch, numba, threadpoolctl' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: python3-numpy, python3-torch, python3-numba, python3-threadpoolctl or libopenblas0-pthread is missing; install them as root" >&2
        exit 2
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy python3-torch python3-numba \
        python3-threadpoolctl libopenblas0-pthread
fi

dotnet build "$repo/Experiments" -c Release -v quiet -nologo >/dev/null
dll="$(ls "$repo"/Experiments/bin/Release/net*/Diffusion.Verify.Experiments.dll | head -n 1)"
exec "$python" "$here/run.py" --harness "dotnet $dll" "$@"
