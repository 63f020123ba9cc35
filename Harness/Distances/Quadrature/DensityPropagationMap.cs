using Diffusion.Verify.Samplers;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The deterministic part of a stochastic step on a 1-D target, M(y) = Scale · (y + c · s(y, ᾱ)), with its
/// slope M'(y) = Scale · (1 + c · s'(y, ᾱ)). The score is the target's own (closed form) unless the
/// sampler is given a different one (a perturbed score); then its Jacobian supplies s'.
/// Not thread-safe when built on an <see cref="IScore"/> (shared scratch).
/// </summary>
internal sealed class DensityPropagationMap
{
    private readonly DensityPropagationMixture.Level? _level;
    private readonly IScore? _score;
    private readonly double[] _point = new double[1];
    private readonly double[] _value = new double[1];
    private readonly double[] _scratch;

    public DensityPropagationMap(StochasticKernel kernel, DensityPropagationMixture mixture, IScore? score)
    {
        Kernel = kernel;
        if (score is null)
        {
            _level = mixture.At(kernel.AlphaBar);
            _scratch = [];
        }
        else
        {
            if (score.Dimension != 1)
            {
                throw new InvalidSpecificationException("score.dimension", score.Dimension.ToString(), "a 1-D quadrature needs a 1-D score");
            }

            _score = score;
            _scratch = new double[score.ScratchLength(1)];
        }
    }

    public StochasticKernel Kernel { get; }

    public void Evaluate(double y, out double value, out double slope)
    {
        double s;
        double ds;
        if (_level is not null)
        {
            _level.ScoreAndSlope(y, out s, out ds);
        }
        else
        {
            _point[0] = y;
            _score!.Evaluate(_point, 1, Kernel.AlphaBar, _value, _scratch);
            s = _value[0];
            _score.Jacobian(_point, Kernel.AlphaBar, _value);
            ds = _value[0];
        }

        value = Kernel.Scale * (y + Kernel.ScoreCoefficient * s);
        slope = Kernel.Scale * (1.0 + Kernel.ScoreCoefficient * ds);
    }

    public double Value(double y)
    {
        double s;
        if (_level is not null)
        {
            _level.ScoreAndSlope(y, out s, out _);
        }
        else
        {
            _point[0] = y;
            _score!.Evaluate(_point, 1, Kernel.AlphaBar, _value, _scratch);
            s = _value[0];
        }

        return Kernel.Scale * (y + Kernel.ScoreCoefficient * s);
    }
}
