#!/bin/bash
# End-to-end test of the Slurm scripts on a real (single-node) Slurm cluster on this machine.
# Run as root on a Debian machine with network access to Debian's packages:
#   scripts/slurm/local-cluster-test.sh [CONFIG]        (default: Experiments/configs/tsweep-bimodal-1d.json)
# It installs slurm-wlm and munge (apt-get), starts munged, slurmctld and slurmd with a minimal
# slurm.conf in a temporary directory (this host, CPUs=2, no cgroups: proctrack/linuxproc, task/none),
# then
#   1. runs CONFIG --quick in one process (the reference),
#   2. submits it over 4 shards with scripts/slurm/submit.sh, kills shard 0 (SIGKILL) once it has
#      journalled points but before it finished, and checks that the merge job never runs,
#   3. submits the same command again, waits for the merge job, and checks that every merged row equals
#      the reference (all columns but Seconds, as written, i.e. bit-identical values) and that the fits
#      are identical.
# Exit 0 when all checks pass; the daemons are stopped on exit. Set DV_KEEP=1 to keep the work directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
config=${1:-Experiments/configs/tsweep-bimodal-1d.json}
shards=4
started=$(date +%s)
say() { printf '[%3ds] %s\n' $(($(date +%s) - started)) "$*"; }
fail() { say "FAIL: $*"; exit 1; }

if [[ $(id -u) != 0 ]]; then
    echo "run as root (installs packages and starts the Slurm daemons)" >&2
    exit 2
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V), $(munged -V 2>&1 | head -1)"

work=$(mktemp -d /tmp/dv-slurm-test.XXXXXX)
chmod 755 "$work"    # munged runs as the munge user and must reach its socket directory
export MUNGE_SOCKET=$work/munge/munge.socket
state=$work/state
mkdir -p "$state/ctld" "$state/d" "$work/logs" "$work/munge"
host=$(hostname -s)
memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
export SLURM_CONF=$state/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=dvtest
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6917
SlurmdPort=6918
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
# no cgroups in a container: track processes by parent id, no task binding or accounting
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
KillWait=5
MinJobAge=600
# a merge job whose shards failed is cancelled instead of pending forever
DependencyParameters=kill_invalid_depend
NodeName=$host CPUs=2 RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

munge_pid=
cleanup() {
    local status=$?
    say "stopping the daemons"
    scancel --quiet --user=root 2>/dev/null || true
    for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
        [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    [[ -n $munge_pid ]] && kill "$munge_pid" 2>/dev/null || true
    sleep 1
    if [[ ${DV_KEEP:-0} == 1 || $status != 0 ]]; then
        echo "work directory kept: $work (slurmctld.log, slurmd.log in $work/state, job logs in $work/logs)"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# munged as the munge user, with its own socket so that no system munged is disturbed
chown munge:munge "$work/munge"
chmod 700 "$work/munge"
if [[ ! -s /etc/munge/munge.key ]]; then
    runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
        || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
fi
runuser -u munge -- munged --socket="$MUNGE_SOCKET" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" --force
munge_pid=$(cat "$work/munge/munged.pid")
munge -n --socket="$MUNGE_SOCKET" | unmunge --socket="$MUNGE_SOCKET" >/dev/null || fail "munge does not authenticate"

slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 1
done
sinfo -h -o '%T' | grep -qE '^(idle|mixed|allocated)' || { tail -20 "$state/slurmctld.log" "$state/slurmd.log"; fail "node $host did not come up"; }
say "cluster up: $(sinfo -h -o '%P %D node %N %c CPUs %m MB %T')"

cd "$root"
dotnet build Diffusion.Verify.sln -c Release -v quiet -nologo >/dev/null
dll=$root/Experiments/bin/Release/net10.0/Diffusion.Verify.Experiments.dll
name=$(basename "$config" .json)

say "reference: run $config --quick in one process"
dotnet "$dll" run "$config" --quick --out "$work/single" >"$work/logs/single.log" 2>&1 || fail "single-process run failed (see $work/logs/single.log)"

# Each shard asks for 1 CPU (sweep.sbatch's 8 do not exist here); job logs go to $work/logs.
export DV_FLAGS=--quick
export DV_SBATCH_OPTIONS="--cpus-per-task=1 --mem=1G --chdir=$work/logs"
out=$work/slurm-results

submit() {
    local log=$1
    scripts/slurm/submit.sh "$shards" "$out" "$config" >"$log" 2>&1 || { cat "$log"; fail "submit.sh failed"; }
    grep -E '^(sweep|merge):' "$log" | sed 's/^/    /'
    sweep_job=$(sed -nE 's/^sweep: array job ([0-9]+).*/\1/p' "$log")
    merge_job=$(sed -nE 's/^merge: job ([0-9]+).*/\1/p' "$log")
    [[ -n $sweep_job && -n $merge_job ]] || fail "no job ids in submit.sh's output"
}

job_state() { scontrol show job "$1" 2>/dev/null | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p' | head -1; }

wait_for_end() {
    local job=$1 limit=$2 s
    for _ in $(seq "$limit"); do
        s=$(job_state "$job")
        case $s in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | "") echo "$s"; return ;; esac
        sleep 1
    done
    echo TIMEOUT_WAITING
}

say "first submission: $shards shards, shard 0 will be killed mid-run"
submit "$work/logs/submit-1.log"
journal=$out/$name.shard-0-of-$shards.csv.journal
killed_at=
for _ in $(seq 600); do
    points=$(grep -c '^point ' "$journal" 2>/dev/null || true)
    if [[ ${points:-0} -ge 2 && $(job_state "${sweep_job}_0") == RUNNING ]]; then
        scancel --signal=KILL --full "${sweep_job}_0"
        killed_at=$points
        break
    fi
    [[ $(job_state "${sweep_job}_0") =~ ^(COMPLETED|FAILED|CANCELLED)$ ]] && break
    sleep 0.2
done
[[ -n $killed_at ]] || fail "shard 0 ended before it could be killed (state $(job_state "${sweep_job}_0"))"
say "killed shard 0 (job ${sweep_job}_0, SIGKILL) after $killed_at journalled points"
state0=$(wait_for_end "${sweep_job}_0" 120)
say "shard 0 ended: $state0"
[[ $state0 != COMPLETED ]] || fail "the killed shard reports COMPLETED"
for i in $(seq 1 $((shards - 1))); do
    s=$(wait_for_end "${sweep_job}_$i" 300)
    say "shard $i: $s"
done
merge_state=$(wait_for_end "$merge_job" 60)
say "merge job $merge_job after the kill: ${merge_state:-gone} (must not have run)"
[[ $merge_state != COMPLETED ]] || fail "the merge ran although a shard was killed"
[[ ! -f $out/$name.csv ]] || fail "a merged $name.csv exists although a shard was killed"
dotnet "$dll" merge "$out" >"$work/logs/merge-refused.log" 2>&1 && fail "merge accepted an unfinished shard"
say "merge by hand refuses the unfinished shard: $(head -1 "$work/logs/merge-refused.log")"

say "second submission: the same command"
submit "$work/logs/submit-2.log"
merge_state=$(wait_for_end "$merge_job" 900)
say "merge job $merge_job: $merge_state"
[[ $merge_state == COMPLETED ]] || { tail -20 "$work"/logs/dv-merge-*.out; fail "merge job ended $merge_state"; }
for i in $(seq 0 $((shards - 1))); do
    say "  shard $i of the resubmission: $(job_state "${sweep_job}_$i"); $(grep -c '^point ' "$out/$name.shard-$i-of-$shards.csv.journal") points journalled"
done

# Compare every row, all columns but the last (Seconds), as written.
without_seconds() { sed -E 's/,[^,]*$//' "$1"; }
header=$(head -1 "$work/single/$name.csv")
[[ ${header##*,} == Seconds ]] || fail "the last column is ${header##*,}, expected Seconds"
rows=$(($(wc -l <"$work/single/$name.csv") - 1))
if diff <(without_seconds "$work/single/$name.csv") <(without_seconds "$out/$name.csv") >"$work/logs/rows.diff"; then
    say "PASS: all $rows rows of $name.csv equal the single-process run (Seconds aside)"
else
    head -20 "$work/logs/rows.diff"
    fail "merged rows differ from the single-process run"
fi
cmp -s "$work/single/$name-fits.csv" "$out/$name-fits.csv" || fail "$name-fits.csv differs"
say "PASS: $name-fits.csv identical; merge job wrote $(ls "$out" | grep -c '\.png$') figures and summary.md: $([[ -f $out/summary.md ]] && echo yes || echo no)"
say "local Slurm test passed in $(($(date +%s) - started)) s"
