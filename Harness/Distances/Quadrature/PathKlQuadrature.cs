using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Path KL of a stochastic sampler on a 1-D mixture by quadrature (DESIGN §5–§6):
/// <c>KL(q_T‖p_T) + Σ_{t=2..T} E_{x∼q_t}[ KL( q(x_{t−1}|x_t = x) ‖ p(x_{t−1}|x_t = x) ) ]</c>, the KL between the
/// reversed forward chain and the sampler's chain, an upper bound on KL(q_1‖p_1) by data processing.
/// <para>
/// Closed forms used. Given the component k (shared along the chain), X_{t−1} ~ N(√ᾱ_{t−1} μ_k, v'_k) and
/// X_t | X_{t−1} ~ N(√α_t X_{t−1}, β_t), so q(x_{t−1} | x_t = x) = Σ_k w_k(x) N(a_k(x), τ_k²) with
/// w_k the posterior component weights at level t, τ_k² = β v'_k / v_k, a_k(x) = (β √ᾱ_{t−1} μ_k + √α v'_k x) / v_k,
/// v_k = α v'_k + β. The sampler's kernel is p(y|x) = N(y; M(x), PostNoise²) without pre-noise, and
/// p(y|x) = ∫ N(u; x, PreNoise²) N(y; M(u), PostNoise²) du with it.
/// </para>
/// <para>
/// Quadratures, and why. Outer: trapezoid rule on a uniform grid over q_t's support, spectrally accurate
/// for the smooth, Gaussian-decaying integrand, with uniform resolution where mixture components
/// overlap (Gauss–Hermite per component would be coarse exactly between modes, where the reverse
/// conditional changes fastest). Inner: Gauss–Hermite per component of q(·|x) on
/// ln q(y|x) − ln p(y|x), which is nearly quadratic on the scale √β of q(·|x) (exact when both kernels
/// are Gaussian). Pre-noise integral: trapezoid in u at a quarter of the integrand's width over
/// x ± TailSds·PreNoise with the map evaluated once per node and reused for every y: spectrally
/// accurate even where M is visibly non-linear over the range of u (large β), unlike a Taylor expansion
/// of M whose error is of the same order as the per-step KL itself. All differences y − mean are formed
/// from differences of means plus the node offset so that kernels of width √β ~ 1e−4 keep their digits.
/// </para>
/// </summary>
public static class PathKlQuadrature
{
    /// <summary>Path KL with the resolution doubled as the tolerance (StandardError 0).</summary>
    public static Estimate Evaluate(Sampler sampler, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, PathKlQuadratureOptions? options = null)
        => Evaluate(DensityPropagation.KernelsOf(sampler, schedule), schedule, target, start, options);

    /// <inheritdoc cref="Evaluate(Sampler, NoiseSchedule, IDiffusedTarget, StartDistribution, PathKlQuadratureOptions?)"/>
    public static Estimate Evaluate(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, PathKlQuadratureOptions? options = null)
    {
        options ??= new PathKlQuadratureOptions();
        PathKlQuadratureResult coarse = Compute(kernels, schedule, target, start, options);
        if (!options.CheckRefinement)
        {
            return Estimate.Exact(coarse.Total);
        }

        PathKlQuadratureResult fine = Compute(kernels, schedule, target, start, options.Refined());
        return Estimate.Exact(fine.Total, Math.Abs(fine.Total - coarse.Total));
    }

    /// <summary>
    /// The path KL and its terms at one resolution. <paramref name="kernels"/> are in order of application
    /// (element i is the step at t = T − i), as <see cref="DensityPropagation.KernelsOf"/> gives them.
    /// </summary>
    public static PathKlQuadratureResult Compute(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, PathKlQuadratureOptions? options = null)
    {
        options ??= new PathKlQuadratureOptions();
        options.Validate();
        int steps = schedule.Steps;
        if (kernels.Count != steps - 1)
        {
            throw new InvalidSpecificationException("kernels", $"{kernels.Count} kernels", $"need one kernel per step t = T..2, i.e. T − 1 = {steps - 1}");
        }

        for (int i = 0; i < kernels.Count; i++)
        {
            StochasticKernel k = kernels[i];
            if (!(k.PostNoise > 0) || !double.IsFinite(k.PostNoise) || !(k.PreNoise >= 0) || !double.IsFinite(k.PreNoise)
                || !double.IsFinite(k.Scale) || !double.IsFinite(k.ScoreCoefficient) || !(k.AlphaBar > 0 && k.AlphaBar <= 1))
            {
                throw new InvalidSpecificationException(
                    $"kernel[t = {steps - i}]", k.ToString(), "path KL needs PostNoise > 0 (the sampler's kernel must have a density), noises finite and AlphaBar in (0, 1]");
            }
        }

        var mixture = DensityPropagationMixture.From(target);
        var rule = new GaussHermiteRule(options.InnerNodes);
        var terms = new double[steps - 1];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        Parallel.For(0, steps - 1, parallel, i =>
        {
            int t = i + 2;
            terms[i] = StepTerm(kernels[steps - t], schedule, t, mixture, rule, options);
        });

        double startTerm = start == StartDistribution.Gaussian ? StartTerm(mixture.At(schedule.AlphaBar(steps)), options) : 0.0;
        double total = startTerm;
        foreach (double term in terms)
        {
            total += term;
        }

        return new PathKlQuadratureResult(startTerm, terms, total);
    }

    /// <summary>KL(q_T ‖ N(0, 1)) by the trapezoid rule on the non-negative integrand q ln(q/φ) − q + φ.</summary>
    private static double StartTerm(DensityPropagationMixture.Level q, PathKlQuadratureOptions options)
    {
        (double lo, double hi) = q.Support(options.TailSds);
        lo = Math.Min(lo, -options.TailSds);
        hi = Math.Max(hi, options.TailSds);
        double h = Math.Min(q.SmallestSd, 1.0) / options.OuterPointsPerSd;
        int n = (int)Math.Ceiling((hi - lo) / h) + 1;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = lo + i * h;
            double logQ = q.LogDensity(x);
            double logPhi = -0.5 * x * x - 0.5 * Math.Log(2 * Math.PI);
            double qx = Math.Exp(logQ);
            double phi = Math.Exp(logPhi);
            sum += qx * (logQ - logPhi) - qx + phi;
        }

        return h * sum;
    }

    /// <summary>E_{x∼q_t}[KL(q(·|x) ‖ p(·|x))] for one step.</summary>
    private static double StepTerm(StochasticKernel kernel, NoiseSchedule schedule, int t, DensityPropagationMixture mixture, GaussHermiteRule rule, PathKlQuadratureOptions options)
    {
        DensityPropagationMixture.Level level = mixture.At(schedule.AlphaBar(t));
        DensityPropagationMixture.Level previous = mixture.At(schedule.AlphaBar(t - 1));
        var map = new DensityPropagationMap(kernel, mixture, options.Score);
        var conditional = new ReverseConditional(level, previous, schedule.Alpha(t), schedule.Beta(t));
        var sampler = new SamplerConditional(map, options);

        (double lo, double hi) = level.Support(options.TailSds);
        double h = level.SmallestSd / options.OuterPointsPerSd;
        int n = (int)Math.Ceiling((hi - lo) / h) + 1;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = lo + i * h;
            double logQ = conditional.Prepare(x);
            double qx = Math.Exp(logQ);
            if (qx == 0)
            {
                continue;
            }

            sampler.Prepare(x);
            sum += qx * InnerKl(conditional, sampler, rule);
        }

        return h * sum;
    }

    /// <summary>KL(q(·|x) ‖ p(·|x)) = Σ_k w_k E_{N(a_k, τ_k²)}[ln q(y|x) − ln p(y|x)] by Gauss–Hermite per component.</summary>
    private static double InnerKl(ReverseConditional q, SamplerConditional p, GaussHermiteRule rule)
    {
        double kl = 0;
        for (int k = 0; k < q.Components; k++)
        {
            double wk = q.Weight(k);
            if (wk < 1e-300)
            {
                continue;
            }

            double part = 0;
            for (int j = 0; j < rule.Count; j++)
            {
                double offset = q.Sd(k) * rule.Nodes[j];
                part += rule.Weights[j] * (q.LogDensity(k, offset) - p.LogDensity(q.Mean(k), offset));
            }

            kl += wk * part;
        }

        return kl;
    }

    /// <summary>q(x_{t−1} | x_t = x) = Σ_k w_k(x) N(a_k(x), τ_k²) for the current x.</summary>
    private sealed class ReverseConditional
    {
        private readonly DensityPropagationMixture.Level _level;
        private readonly double _rootAlpha;
        private readonly double _beta;
        private readonly double[] _previousCentres;
        private readonly double[] _previousVariance;
        private readonly double[] _levelVariance;
        private readonly double[] _variance;
        private readonly double[] _sd;
        private readonly double[] _logNormaliser;
        private readonly double[] _weights;
        private readonly double[] _logWeights;
        private readonly double[] _means;

        public ReverseConditional(DensityPropagationMixture.Level level, DensityPropagationMixture.Level previous, double alpha, double beta)
        {
            _level = level;
            _rootAlpha = Math.Sqrt(alpha);
            _beta = beta;
            int k = level.Components;
            Components = k;
            _previousCentres = previous.Centres;
            _previousVariance = previous.VarianceOf;
            _levelVariance = new double[k];
            _variance = new double[k];
            _sd = new double[k];
            _logNormaliser = new double[k];
            _weights = new double[k];
            _logWeights = new double[k];
            _means = new double[k];
            for (int c = 0; c < k; c++)
            {
                // v_k = α v'_k + β (equal to ᾱ_t σ_k² + 1 − ᾱ_t); τ_k² = β v'_k / v_k.
                double v = alpha * _previousVariance[c] + beta;
                _levelVariance[c] = v;
                _variance[c] = beta * _previousVariance[c] / v;
                _sd[c] = Math.Sqrt(_variance[c]);
                _logNormaliser[c] = -Math.Log(_sd[c]) - 0.5 * Math.Log(2 * Math.PI);
            }
        }

        public int Components { get; }

        public double Weight(int k) => _weights[k];

        public double Mean(int k) => _means[k];

        public double Sd(int k) => _sd[k];

        /// <summary>Sets x; returns ln q_t(x).</summary>
        public double Prepare(double x)
        {
            double logQ = _level.PosteriorWeights(x, _weights);
            for (int c = 0; c < Components; c++)
            {
                _means[c] = (_beta * _previousCentres[c] + _rootAlpha * _previousVariance[c] * x) / _levelVariance[c];
                _logWeights[c] = _weights[c] > 0 ? Math.Log(_weights[c]) : double.NegativeInfinity;
            }

            return logQ;
        }

        /// <summary>ln q(y|x) at y = a_k + offset.</summary>
        public double LogDensity(int k, double offset)
        {
            if (Components == 1)
            {
                double z = offset / _sd[0];
                return _logNormaliser[0] - 0.5 * z * z;
            }

            double max = double.NegativeInfinity;
            Span<double> logits = Components <= 64 ? stackalloc double[Components] : new double[Components];
            for (int c = 0; c < Components; c++)
            {
                double z = (_means[k] - _means[c] + offset) / _sd[c];
                logits[c] = _logWeights[c] + _logNormaliser[c] - 0.5 * z * z;
                max = Math.Max(max, logits[c]);
            }

            double sum = 0;
            for (int c = 0; c < Components; c++)
            {
                sum += Math.Exp(logits[c] - max);
            }

            return max + Math.Log(sum);
        }
    }

    /// <summary>The sampler's kernel p(y | x) for the current x.</summary>
    private sealed class SamplerConditional
    {
        private readonly DensityPropagationMap _map;
        private readonly PathKlQuadratureOptions _options;
        private readonly double _pre;
        private readonly double _post;
        private double[] _images = [];
        private double[] _logWeights = [];
        private double[] _terms = [];
        private int _half;
        private double _spacing;
        private double _gain;
        private double _window;
        private double _mean;
        private double _logConstant;

        public SamplerConditional(DensityPropagationMap map, PathKlQuadratureOptions options)
        {
            _map = map;
            _options = options;
            _pre = map.Kernel.PreNoise;
            _post = map.Kernel.PostNoise;
        }

        public void Prepare(double x)
        {
            _map.Evaluate(x, out _mean, out double slope);
            if (_pre == 0)
            {
                _logConstant = -Math.Log(_post) - 0.5 * Math.Log(2 * Math.PI);
                return;
            }

            // ∫ N(u; x, pre²) N(y; M(u), post²) du by the trapezoid rule on u_i = x + i·h_u over ±TailSds·pre,
            // the map evaluated once per node and reused for every y. With M linearised at x the integrand
            // is a Gaussian in u of width w = pre·post/√(post² + M'²pre²) centred at
            // u*(y) = x + gain·(y − M(x)), gain = pre²M'/(post² + M'²pre²); h_u is a fraction of
            // min(pre, post/|M'|) ≥ w, and each y sums only the nodes within TailSds·w of u*(y)
            // (plus a margin for the curvature of M).
            double absSlope = Math.Abs(slope);
            double width = Math.Min(_pre, _post / Math.Max(absSlope, 1e-300));
            _spacing = width / _options.PreNoisePointsPerSd;
            _half = (int)Math.Ceiling(_options.TailSds * _pre / _spacing);
            int nodes = 2 * _half + 1;
            if (_images.Length < nodes)
            {
                _images = new double[nodes];
                _logWeights = new double[nodes];
                _terms = new double[nodes];
            }

            for (int i = 0; i < nodes; i++)
            {
                double du = (i - _half) * _spacing;
                _images[i] = _map.Value(x + du);
                _logWeights[i] = -0.5 * (du / _pre) * (du / _pre);
            }

            double denominator = _post * _post + slope * slope * _pre * _pre;
            _gain = _pre * _pre * slope / denominator;
            double w = _pre * _post / Math.Sqrt(denominator);
            _window = _options.TailSds * w + 2 * _spacing;

            // ln( h_u / (2π pre post) ) + logsumexp_i ( −(u_i − x)²/(2pre²) − (y − M(u_i))²/(2post²) ).
            _logConstant = Math.Log(_spacing / (2 * Math.PI * _pre * _post));
        }

        /// <summary>ln p(y | x) at y = centre + offset (the split keeps y − M(x) accurate for tiny widths).</summary>
        public double LogDensity(double centre, double offset)
        {
            double residual = centre - _mean + offset;
            if (_pre == 0)
            {
                double z = residual / _post;
                return _logConstant - 0.5 * z * z;
            }

            double peak = _gain * residual / _spacing;
            int first = Math.Max(0, _half + (int)Math.Floor(peak - _window / _spacing));
            int last = Math.Min(2 * _half, _half + (int)Math.Ceiling(peak + _window / _spacing));
            if (last < first)
            {
                (first, last) = (0, 2 * _half);
            }

            int count = last - first + 1;
            Span<double> e = _terms.AsSpan(0, count);

            // e_i = logW_i − ½ ((centre + offset − M(u_i)) / post)², then log-sum-exp, vectorised.
            TensorPrimitives.Subtract(centre + offset, _images.AsSpan(first, count), e);
            TensorPrimitives.Multiply(e, 1.0 / _post, e);
            TensorPrimitives.Multiply(e, e, e);
            TensorPrimitives.MultiplyAdd(e, -0.5, _logWeights.AsSpan(first, count), e);
            double max = TensorPrimitives.Max<double>(e);
            TensorPrimitives.Subtract(e, max, e);
            TensorPrimitives.Exp(e, e);
            return _logConstant + max + Math.Log(TensorPrimitives.Sum<double>(e));
        }
    }
}
