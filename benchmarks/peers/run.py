"""Runs the peers and the harness's `bench` interleaved and prints one table (see README.md here).

Usage: run.py [--runs R] [--sweep | --sizes d,K[,N[,T]] ...] [--threads n] [--isa native|avx2] [--harness CMD]

--isa avx2 holds every implementation to AVX2 + FMA on a CPU that has AVX-512, so that all four run the
instruction set an AVX2-only machine has: the harness with DOTNET_EnableAVX512=0, OpenBLAS (NumPy, and
PyTorch's matrix products) with OPENBLAS_CORETYPE=Haswell, PyTorch's own kernels with
ATEN_CPU_CAPABILITY=avx2, Numba with NUMBA_CPU_NAME=znver3 (an AVX2-only AMD core) and this CPU's
feature string with every avx512* feature off (NUMBA_CPU_FEATURES). A peer that still used AVX-512 is
reported as a mismatch (exit 1). --isa native (the
default) lets each pick its widest: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the
peers' environment. Each peer reports what its code used (OpenBLAS's kernel, ATen's capability, the
widest register in Numba's assembly), and the table shows it.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workload  # noqa: E402

PEERS = [("numpy", "numpy_peer.py"), ("pytorch", "torch_peer.py"), ("numba", "numba_peer.py")]
PEER_LINE = re.compile(r"rate=(\S+) sample-steps/s .*checksum_sq=(\S+) checksum_abs=(\S+) "
                       r"meanOfMeans=(\S+) meanOfVariances=(\S+) seMeans=(\S+) seVariances=(\S+) isa=(\S+)")
SIMD_LINE = re.compile(r"^SIMD path: (\S+?),", re.M)
HARNESS_LINE = re.compile(r"^acc-ode exact-score d=(\d+) K=(\d+) N=\d+ T=\d+: (\S+) sample-steps/s", re.M)
SAMPLE_LINE = re.compile(r"meanOfMeans=(\S+) meanOfVariances=(\S+)")
SWEEP = [(d, k) for d in (16, 64, 256, 1024) for k in (2, 8, 32)]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds; medians are quoted (default 3)")
    parser.add_argument("--sweep", action="store_true", help="d in {16,64,256,1024} x K in {2,8,32}")
    parser.add_argument("--sizes", nargs="*", default=[], help="d,K[,N[,T]] (default: the reference 64,8,20000,200)")
    parser.add_argument("--steps", type=int, default=200, help="T for sizes that do not give one (default 200)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--isa", choices=("native", "avx2"), default="native",
                        help="native: each implementation's widest vectors; avx2: all held to AVX2 + FMA")
    parser.add_argument("--harness", required=True, help="command prefix that runs the harness CLI")
    return parser.parse_args()


def sizes(args):
    chosen = []
    for text in args.sizes:
        parts = [int(p) for p in text.split(",")]
        d, k = parts[0], parts[1]
        n = parts[2] if len(parts) > 2 else default_samples(d, k)
        t = parts[3] if len(parts) > 3 else args.steps
        chosen.append((d, k, n, t))
    if args.sweep:
        chosen += [(d, k, default_samples(d, k), args.steps) for d, k in SWEEP]
    return chosen or [(64, 8, 20000, 200)]


def default_samples(d, k):
    """N = 20000 at the reference size, fewer as d K grows (same work per run), at least 1000."""
    return int(min(20000, max(1000, 20000 * 64 * 8 // (d * k))))


ISA_ENVIRONMENT = {
    # name: (variables set for the peers, variables set for the harness); see the module docstring.
    "native": ({}, {}),
    "avx2": ({"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2", "NUMBA_CPU_NAME": "znver3"},
             {"DOTNET_EnableAVX512": "0"}),
}
CLEARED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ATEN_CPU_CAPABILITY", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES",
           "DOTNET_EnableAVX512", "DIFFUSION_VERIFY_SIMD")


def environment(isa, for_harness):
    variables = {k: v for k, v in os.environ.items() if k not in CLEARED}
    peers, harness = ISA_ENVIRONMENT[isa]
    variables.update(harness if for_harness else peers)
    if isa == "avx2" and not for_harness:
        variables["NUMBA_CPU_FEATURES"] = features_without_avx512()
    return variables


def features_without_avx512():
    """This CPU's LLVM feature string with every AVX-512 feature turned off. NUMBA_CPU_NAME alone changes
    only the tuning: Numba still passes the host's features (+avx512f among them) unless
    NUMBA_CPU_FEATURES is given."""
    import llvmlite.binding as llvm
    llvm.initialize()
    llvm.initialize_native_target()
    features = llvm.get_host_cpu_features()
    return ",".join(("+" if on and not name.startswith(("avx512", "amx")) else "-") + name
                    for name, on in sorted(features.items()))


def run(command, env=None):
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"failed (exit {completed.returncode}): {' '.join(command)}")
    return completed.stdout


def harness_command(args, d, k, n, t):
    # --plain: only the throughput line the table needs (bench warms the JIT up before it measures).
    base = args.harness.split() + ["bench", "--n", str(n), "--steps", str(t), "--dimension", str(d), "--components", str(k), "--plain"]
    return base


def main():
    args = parse_arguments()
    python = sys.executable
    rows = []
    machine = None
    failures = 0
    for d, k, n, t in sizes(args):
        rates = {name: [] for name, _ in PEERS}
        rates["harness"] = []
        statistics_by_peer = {}
        harness = harness_command(args, d, k, n, t)
        isa_used = {}
        peer_environment = environment(args.isa, for_harness=False)
        harness_environment = environment(args.isa, for_harness=True)
        for round_index in range(args.runs):
            for name, script in PEERS:
                out = run([python, os.path.join(HERE, script), "--d", str(d), "--k", str(k), "--n", str(n),
                           "--steps", str(t), "--threads", str(args.threads)], env=peer_environment)
                match = PEER_LINE.search(out)
                rates[name].append(float(match.group(1)))
                statistics_by_peer[name] = [float(g) for g in match.groups()[1:7]]
                isa_used[name] = match.group(8)
            if harness is not None:
                out = run(harness, env=harness_environment)
                machine = machine or next((line for line in out.splitlines() if line.startswith("machine:")), None)
                path = SIMD_LINE.search(out)
                isa_used["harness"] = path.group(1) if path else "?"
                found = [m for m in HARNESS_LINE.finditer(out) if (int(m.group(1)), int(m.group(2))) == (d, k)]
                if not found:
                    raise SystemExit(f"no acc-ode line for d={d} K={k} in the harness output:\n{out}")
                rates["harness"].append(float(found[0].group(3)))

        if args.isa == "avx2":
            failures += check_avx2(d, k, isa_used)

        # The peers start from the same inputs: their outputs must agree to rounding.
        reference = statistics_by_peer["numpy"]
        mismatches = 0
        for name, values in statistics_by_peer.items():
            for label, a, b in (("checksum_sq", values[0], reference[0]), ("checksum_abs", values[1], reference[1])):
                if abs(a - b) > 1e-9 * abs(b):
                    print(f"CHECKSUM MISMATCH d={d} K={k}: {name} {label} {a!r} vs numpy {b!r}")
                    mismatches += 1
        failures += mismatches
        print(f"d={d} K={k} N={n} T={t}: checksums of numpy, pytorch, numba agree to 1e-9 relative "
              f"(sum of squares {reference[0]:.12e})" if mismatches == 0 else f"d={d} K={k}: checksum mismatch", flush=True)

        if harness is not None:
            failures += cross_check(args, d, k, n, t, reference, harness_environment)

        flops = workload.step_flops(d, k)
        harness_rate = statistics.median(rates["harness"]) if rates["harness"] else None
        for name in ["harness"] + [p for p, _ in PEERS]:
            if not rates[name]:
                continue
            rate = statistics.median(rates[name])
            ratio = f"{harness_rate / rate:.2f}" if harness_rate else "—"
            rows.append((f"{d}", f"{k}", name, isa_used.get(name, "?"), f"{rate:.3e}",
                         f"{min(rates[name]):.2e}–{max(rates[name]):.2e}", f"{rate * flops / 1e9:.2f}", ratio))

    if machine:
        print(machine)
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print(f"--isa {args.isa}; medians of {args.runs} interleaved runs, {args.threads} threads; "
          f"load average {load} at the end")
    header = ("d", "K", "implementation", "instruction set used", "sample-steps/s", "min–max", "GFLOP/s",
              "harness ÷ this")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return 1 if failures else 0


def check_avx2(d, k, isa_used):
    """Under --isa avx2 a peer that still used AVX-512 would make the comparison meaningless: refuse it."""
    wide = {name: used for name, used in isa_used.items()
            if "zmm" in used or "AVX512" in used.upper() or "Cooperlake" in used or "SkylakeX" in used
            or used == "Vector512"}
    for name, used in wide.items():
        print(f"ISA MISMATCH d={d} K={k}: {name} used {used} under --isa avx2")
    return len(wide)


def cross_check(args, d, k, n, t, peer, env):
    """The harness draws its own inputs (counter-based), so it cannot reproduce the peers' checksum: run its
    `sample` on the peers' mixture instead and compare meanOfMeans and meanOfVariances within 5 standard
    errors of the difference of two independent samples."""
    with tempfile.TemporaryDirectory() as directory:
        target = os.path.join(directory, "target.json")
        means, _, variances, _ = workload.inputs(d, k, 1)
        workload.write_target(target, means, variances)
        out = run(args.harness.split() + ["sample", "--target", target, "--sampler", "acc-ode", "--steps", str(t),
                                          "--n", str(n), "--start", "gaussian", "--c0", "2", "--c1", "6"], env=env)
    match = SAMPLE_LINE.search(out)
    harness_means, harness_variances = float(match.group(1)), float(match.group(2))
    failures = 0
    for label, ours, theirs, se in (("meanOfMeans", harness_means, peer[2], peer[4]),
                                    ("meanOfVariances", harness_variances, peer[3], peer[5])):
        z = (ours - theirs) / (se * 2 ** 0.5)
        verdict = "agree" if abs(z) <= 5 else "DISAGREE"
        failures += abs(z) > 5
        print(f"d={d} K={k}: harness `sample` {label} {ours:.6g} vs peers {theirs:.6g} "
              f"({z:+.2f} standard errors; {verdict})", flush=True)
    return failures


if __name__ == "__main__":
    sys.exit(main())
