namespace Diffusion.Verify.Samplers;

/// <summary>
/// A stochastic step written in the shape every stochastic sampler here shares:
/// <c>Y⁺ = Y_t + PreNoise · Z</c>, <c>Y_{t−1} = Scale · ( Y⁺ + ScoreCoefficient · s_t(Y⁺) ) + PostNoise · Z⁺</c>.
/// Evaluators use it to propagate densities (a Gaussian convolution, a deterministic map, a convolution)
/// and to write path KL in closed form; tests check it against the sampler's own <c>Step</c>.
/// </summary>
public readonly record struct StochasticKernel(double PreNoise, double Scale, double ScoreCoefficient, double PostNoise, double AlphaBar);
