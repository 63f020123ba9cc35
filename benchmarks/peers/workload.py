"""The harness's reference workload (``bench``), restated for the peers.

acc-ode (the paper's eq. 15) with the exact score of an isotropic Gaussian mixture:
K equally weighted components N(mu_k, variance I), mu_k = mean_scale * (random unit vector),
li2024 schedule (c0 = 2, c1 = 6), start Y_T ~ N(0, I), steps t = T..2 (T - 1 updates, 2 scores each).

Inputs come from numpy's default_rng(seed), so every peer (NumPy, PyTorch, Numba) starts from the
same means and samples and must produce the same output up to rounding. The harness draws its own
(counter-based) inputs, so it is compared with the peers only statistically (run.sh).
"""

import argparse
import math
import os
import time

import numpy as np

C0 = 2.0
C1 = 6.0
VARIANCE = 0.25
MEAN_SCALE = 2.0
SEED = 7


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--d", type=int, default=64, help="dimension (default 64)")
    parser.add_argument("--k", type=int, default=8, help="mixture components (default 8)")
    parser.add_argument("--n", type=int, default=20000, help="samples (default 20000)")
    parser.add_argument("--steps", type=int, default=200, help="T (default 200)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads (default: all cores)")
    parser.add_argument("--write-target", metavar="FILE", help="also write the mixture as harness target JSON")
    return parser.parse_args()


def li2024(steps, c0=C0, c1=C1):
    """beta_1..beta_{T+1} (index t), alpha_t and alpha-bar_t for t = 0..T+1, as Harness/Schedules does it."""
    rate = c1 * math.log(steps) / steps
    log_beta1 = -c0 * math.log(steps)
    log_growth = math.log1p(rate)
    beta = [0.0] * (steps + 2)
    beta[1] = math.exp(log_beta1)
    for t in range(1, steps + 1):
        beta[t + 1] = rate * math.exp(min(log_beta1 + t * log_growth, 0.0))
    log_alpha_bar = [0.0] * (steps + 2)
    for t in range(1, steps + 2):
        log_alpha_bar[t] = log_alpha_bar[t - 1] + math.log1p(-beta[t])
    alpha = [1.0 - b for b in beta]
    alpha_bar = [math.exp(v) for v in log_alpha_bar]
    return beta, alpha, alpha_bar


def coefficients(steps):
    """Per update t = T..2 (row T - t): alpha-bar_t, alpha-bar_{t+1}, and the acc-ode weights.

    Y_t^- = sqrt(a_{t+1}) (Y_t - b_{t+1}/2 s_t(Y_t))
    Y_{t-1} = (Y_t + b_t/2 s_t(Y_t) + b_t^2/(4 b_{t+1}) (s_t(Y_t) - sqrt(a_{t+1}) s_{t+1}(Y_t^-))) / sqrt(a_t)
    columns: alpha_bar_t, alpha_bar_{t+1}, half_beta_next, root_alpha_next, half_beta, correction, 1/sqrt(alpha_t)
    """
    beta, alpha, alpha_bar = li2024(steps)
    rows = []
    for t in range(steps, 1, -1):
        rows.append([alpha_bar[t], alpha_bar[t + 1], beta[t + 1] / 2, math.sqrt(alpha[t + 1]),
                     beta[t] / 2, beta[t] * beta[t] / (4 * beta[t + 1]), 1 / math.sqrt(alpha[t])])
    return np.array(rows, dtype=np.float64)


def inputs(d, k, n):
    """Means (k x d), log-weights (k), variances (k) and start samples (n x d), float64, C order."""
    rng = np.random.default_rng(SEED)
    directions = rng.standard_normal((k, d))
    means = MEAN_SCALE * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    start = rng.standard_normal((n, d))
    log_weights = np.full(k, -math.log(k))
    variances = np.full(k, VARIANCE)
    return np.ascontiguousarray(means), log_weights, variances, np.ascontiguousarray(start)


def step_flops(d, k):
    """The harness bench's flop model (Experiments/Commands/BenchCommand.cs): two score evaluations of
    3d + 4Kd + 45K flops each, plus 10d for the intermediate point and the update."""
    score = 2.0 * d + 2.0 * k * d + 45.0 * k + d + 2.0 * k * d
    return 2 * score + 10.0 * d


def report(name, args, output, seconds, isa="?"):
    """One line run.sh parses: rate, GFLOP/s, checksums, the statistics `sample` prints, and what
    instruction set the peer's compiled code actually used (isa=..., no spaces)."""
    output = np.asarray(output, dtype=np.float64)
    sample_steps = args.n * (args.steps - 1)
    rate = sample_steps / seconds
    mean_of_means = float(output.mean(axis=0).mean())
    mean_of_variances = float(output.var(axis=0, ddof=1).mean())
    # Both statistics are (nearly) averages over rows of a per-row quantity, so their standard errors
    # are that quantity's standard deviation over sqrt(N): for the comparison with the harness's `sample`.
    n = output.shape[0]
    row_means = output.mean(axis=1)
    row_squares = ((output - output.mean(axis=0)) ** 2).mean(axis=1)
    se_means = float(row_means.std(ddof=1) / math.sqrt(n))
    se_variances = float(row_squares.std(ddof=1) / math.sqrt(n))
    print(f"{name} d={args.d} K={args.k} N={args.n} T={args.steps} threads={args.threads}: "
          f"rate={rate:.4e} sample-steps/s gflops={rate * step_flops(args.d, args.k) / 1e9:.2f} "
          f"seconds={seconds:.3f} checksum_sq={float(np.sum(output * output)):.15e} "
          f"checksum_abs={float(np.sum(np.abs(output))):.15e} "
          f"meanOfMeans={mean_of_means:.10g} meanOfVariances={mean_of_variances:.10g} "
          f"seMeans={se_means:.3g} seVariances={se_variances:.3g} isa={isa}", flush=True)


def blas_kernel():
    """The BLAS that NumPy (and, through libblas.so.3, PyTorch) calls and the kernel it chose:
    'openblas-Haswell', 'openblas-Cooperlake', ... or the library's name when it is not OpenBLAS."""
    try:
        import threadpoolctl
    except ImportError:
        return "unknown-blas(no-threadpoolctl)"
    for info in threadpoolctl.threadpool_info():
        if info.get("user_api") == "blas":
            return f"{info.get('internal_api')}-{info.get('architecture') or '?'}"
    return "no-blas-found"


def write_target(path, means, variances):
    """The same mixture as harness target JSON (kind gmm), for the statistical cross-check."""
    import json
    k = means.shape[0]
    document = {"kind": "gmm", "weights": [1.0 / k] * k, "means": means.tolist(), "variances": variances.tolist()}
    with open(path + ".tmp", "w") as f:
        json.dump(document, f)
    os.replace(path + ".tmp", path)


class Clock:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
