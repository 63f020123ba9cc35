"""acc-ode on the reference workload in PyTorch (CPU, float64, torch.set_num_threads(threads))."""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

args = workload.arguments(__doc__)
import torch  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_grad_enabled(False)


def score(x, alpha_bar, means, mean_norms2, log_weights, variances):
    """As numpy_peer.score, in torch."""
    d = x.shape[1]
    root = math.sqrt(alpha_bar)
    v = alpha_bar * variances + (1.0 - alpha_bar)
    distance2 = (x * x).sum(dim=1, keepdim=True) - 2.0 * root * (x @ means.T) + alpha_bar * mean_norms2[None, :]
    logits = log_weights - 0.5 * d * torch.log(2 * math.pi * v) - distance2 / (2 * v)
    w = torch.softmax(logits, dim=1)
    wv = w / v
    return root * (wv @ means) - wv.sum(dim=1, keepdim=True) * x


def capability():
    """ATen's vectorised kernels (DEFAULT, AVX2 or AVX512, chosen at start-up; ATEN_CPU_CAPABILITY caps it)
    and the BLAS behind its matrix products."""
    line = next((l for l in torch.__config__.show().splitlines() if "CPU capability usage" in l), "")
    return f"aten-{line.split(':')[-1].strip() or '?'},{workload.blas_kernel()}"


def main():
    means, log_weights, variances, start = workload.inputs(args.d, args.k, args.n)
    if args.write_target:
        workload.write_target(args.write_target, means, variances)
    means = torch.from_numpy(means)
    log_weights = torch.from_numpy(log_weights)
    variances = torch.from_numpy(variances)
    y = torch.from_numpy(start).clone()
    mean_norms2 = (means * means).sum(dim=1)
    table = workload.coefficients(args.steps).tolist()
    with workload.Clock() as clock:
        for abar, abar_next, half_beta_next, root_alpha_next, half_beta, correction, inverse_root_alpha in table:
            s = score(y, abar, means, mean_norms2, log_weights, variances)
            minus = root_alpha_next * (y - half_beta_next * s)
            s_minus = score(minus, abar_next, means, mean_norms2, log_weights, variances)
            y = (y + half_beta * s + correction * (s - root_alpha_next * s_minus)) * inverse_root_alpha
    workload.report("pytorch", args, y.numpy(), clock.seconds, isa=capability())


main()
