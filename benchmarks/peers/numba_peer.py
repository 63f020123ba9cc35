"""acc-ode on the reference workload in Numba: @njit(parallel=True), prange over samples, each sample
walked through all T - 1 steps in plain loops (compiled once on a small problem before timing)."""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

args = workload.arguments(__doc__)
os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402


@njit(fastmath=False, cache=False)
def score(x, alpha_bar, means, mean_norms2, log_weights, variances, logits, out):
    """s(x) = sum_k w_k (sqrt(abar) mu_k - x) / v_k for one sample x (see numpy_peer.score)."""
    k, d = means.shape
    root = math.sqrt(alpha_bar)
    x2 = 0.0
    for j in range(d):
        x2 += x[j] * x[j]
    largest = -np.inf
    for c in range(k):
        dot = 0.0
        for j in range(d):
            dot += x[j] * means[c, j]
        v = alpha_bar * variances[c] + (1.0 - alpha_bar)
        distance2 = x2 - 2.0 * root * dot + alpha_bar * mean_norms2[c]
        logits[c] = log_weights[c] - 0.5 * d * math.log(2 * math.pi * v) - distance2 / (2 * v)
        largest = max(largest, logits[c])
    total = 0.0
    for c in range(k):
        logits[c] = math.exp(logits[c] - largest)
        total += logits[c]
    kappa = 0.0
    for c in range(k):
        v = alpha_bar * variances[c] + (1.0 - alpha_bar)
        logits[c] = logits[c] / total / v
        kappa += logits[c]
    for j in range(d):
        out[j] = -kappa * x[j]
    for c in range(k):
        a = root * logits[c]
        for j in range(d):
            out[j] += a * means[c, j]


@njit(parallel=True)
def sample(y, table, means, log_weights, variances):
    n, d = y.shape
    k = means.shape[0]
    mean_norms2 = np.empty(k)
    for c in range(k):
        mean_norms2[c] = np.sum(means[c] * means[c])
    for i in prange(n):
        x = y[i]
        s = np.empty(d)
        s_minus = np.empty(d)
        minus = np.empty(d)
        logits = np.empty(k)
        for row in range(table.shape[0]):
            abar, abar_next, half_beta_next, root_alpha_next, half_beta, correction, inverse_root_alpha = (
                table[row, 0], table[row, 1], table[row, 2], table[row, 3], table[row, 4], table[row, 5], table[row, 6])
            score(x, abar, means, mean_norms2, log_weights, variances, logits, s)
            for j in range(d):
                minus[j] = root_alpha_next * (x[j] - half_beta_next * s[j])
            score(minus, abar_next, means, mean_norms2, log_weights, variances, logits, s_minus)
            for j in range(d):
                x[j] = (x[j] + half_beta * s[j] + correction * (s[j] - root_alpha_next * s_minus[j])) * inverse_root_alpha


def instruction_set():
    """The LLVM target CPU and the widest vector registers in the compiled score kernel's assembly
    (zmm: AVX-512, ymm: AVX/AVX2, xmm only: SSE), read from the code itself rather than from flags."""
    import numba
    assembly = "".join(score.inspect_asm().values()) + "".join(sample.inspect_asm().values())
    widest = "zmm" if "%zmm" in assembly else "ymm" if "%ymm" in assembly else "xmm"
    cpu = numba.config.CPU_NAME or "host"
    return f"llvm-{cpu},widest-{widest}"


def main():
    means, log_weights, variances, y = workload.inputs(args.d, args.k, args.n)
    if args.write_target:
        workload.write_target(args.write_target, means, variances)
    table = workload.coefficients(args.steps)
    warm_means, warm_weights, warm_variances, warm = workload.inputs(args.d, args.k, 4)
    sample(warm, table[:2].copy(), warm_means, warm_weights, warm_variances)
    with workload.Clock() as clock:
        sample(y, table, means, log_weights, variances)
    workload.report("numba", args, y, clock.seconds, isa=instruction_set())


main()
