"""acc-ode on the reference workload in vectorised NumPy (float64; BLAS for the N x K products)."""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

args = workload.arguments(__doc__)
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, str(args.threads))
import numpy as np  # noqa: E402


def score(x, alpha_bar, means, mean_norms2, log_weights, variances):
    """s(x) = sum_k w_k(x) (sqrt(abar) mu_k - x) / v_k, v_k = abar sigma_k^2 + 1 - abar, w = softmax of
    ln pi_k - d/2 ln(2 pi v_k) - |x - sqrt(abar) mu_k|^2 / (2 v_k)."""
    d = x.shape[1]
    root = math.sqrt(alpha_bar)
    v = alpha_bar * variances + (1.0 - alpha_bar)
    distance2 = (x * x).sum(axis=1)[:, None] - 2.0 * root * (x @ means.T) + alpha_bar * mean_norms2[None, :]
    logits = log_weights - 0.5 * d * np.log(2 * math.pi * v) - distance2 / (2 * v)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    wv = w / v
    return root * (wv @ means) - wv.sum(axis=1, keepdims=True) * x


def main():
    means, log_weights, variances, y = workload.inputs(args.d, args.k, args.n)
    if args.write_target:
        workload.write_target(args.write_target, means, variances)
    mean_norms2 = (means * means).sum(axis=1)
    table = workload.coefficients(args.steps)
    with workload.Clock() as clock:
        for abar, abar_next, half_beta_next, root_alpha_next, half_beta, correction, inverse_root_alpha in table:
            s = score(y, abar, means, mean_norms2, log_weights, variances)
            minus = root_alpha_next * (y - half_beta_next * s)
            s_minus = score(minus, abar_next, means, mean_norms2, log_weights, variances)
            y = (y + half_beta * s + correction * (s - root_alpha_next * s_minus)) * inverse_root_alpha
    workload.report("numpy", args, y, clock.seconds, isa=workload.blas_kernel())


main()
