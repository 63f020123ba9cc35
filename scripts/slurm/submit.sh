#!/bin/bash
# Usage: scripts/slurm/submit.sh SHARDS OUT_DIR [CONFIG ...]
# Builds the CLI, validates the configs (so that a typo fails here, not in the queue), submits an
# array job of SHARDS shard tasks writing into OUT_DIR (which every node must see) and a merge job
# that runs once all of them have succeeded. Extra sbatch options: SBATCH_* environment variables
# (e.g. SBATCH_PARTITION, SBATCH_ACCOUNT) or DV_SBATCH_OPTIONS, a word list added to both sbatch calls
# for options without a variable (e.g. DV_SBATCH_OPTIONS="--cpus-per-task=2 --mem=2G" on small nodes);
# extra run flags: DV_FLAGS (e.g. DV_FLAGS=--quick).
set -euo pipefail
if [[ $# -lt 2 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 SHARDS OUT_DIR [CONFIG ...]" >&2
    exit 2
fi

shards=$1
out=$2
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
dotnet build Diffusion.Verify.sln -c Release -v quiet -nologo
dll=$root/Experiments/bin/Release/net10.0/Diffusion.Verify.Experiments.dll
dotnet "$dll" validate "$@"

mkdir -p "$out"
export DV_OUT DV_ROOT DV_DLL DV_CONFIGS DV_FLAGS
DV_OUT=$(cd "$out" && pwd)
DV_ROOT=$root
DV_DLL=$dll
DV_CONFIGS="$*"
DV_FLAGS=${DV_FLAGS:-}

# shellcheck disable=SC2086  # DV_SBATCH_OPTIONS is a word list
sweep=$(sbatch --parsable --export=ALL ${DV_SBATCH_OPTIONS:-} --array="0-$((shards - 1))" "$root/scripts/slurm/sweep.sbatch")
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL ${DV_SBATCH_OPTIONS:-} --dependency="afterok:${sweep%%;*}" "$root/scripts/slurm/merge.sbatch")
echo "sweep: array job $sweep ($shards shards) -> $DV_OUT"
echo "merge: job $merge (runs after every shard succeeded)"
echo "after a time-out or failure, finish the shards with the same command and the merge follows"
