namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Path KL split into its terms (DESIGN §5): <see cref="StartTerm"/> = KL(q_T‖p_T) (0 for the exact
/// start), and <see cref="StepTerms"/>[t − 2] = E_{x∼q_t}[KL(q(x_{t−1}|x_t = x) ‖ p(x_{t−1}|x_t = x))]
/// for t = 2..T. <see cref="Total"/> is their sum.
/// </summary>
public sealed record PathKlQuadratureResult(double StartTerm, IReadOnlyList<double> StepTerms, double Total);
