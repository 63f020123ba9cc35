using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Quadrature for stochastic samplers on 1-D mixtures (DESIGN §5): the law of Y_t is carried on a
/// uniform grid from Y_T to Y_1 through each step's <see cref="StochasticKernel"/>,
/// <c>Y⁺ = Y_t + PreNoise·Z</c>, <c>Y_{t−1} = M(Y⁺) + PostNoise·Z⁺</c>, <c>M(y) = Scale·(y + c·s_t(y))</c>,
/// and p_1 is compared with q_1 by quadrature.
/// <para>
/// Scheme, and why. (1) Gaussian convolutions use the exact Fourier multiplier exp(−σ²k²/2)
/// (<see cref="GaussianFourierConvolution"/>): exact to round-off for the resolved, decayed densities
/// here, whatever σ is relative to the spacing — li2024's early β_t ~ T^{−2} gives kernels far narrower
/// than a cell, late ones span hundreds of cells, and neither needs special handling. (2) The map is
/// applied by change of variables, p_new(z) = p(M⁻¹z) / M'(M⁻¹z), with M⁻¹z found by Newton's method on
/// the closed-form M and M' (machine precision, bracketed by M on the old grid) and p at M⁻¹z from a
/// centred 12-point Lagrange stencil: error O((h/σ)¹²) per step, ~1e−15 at 16 points per sd, so 1000
/// steps stay far below 1e−9. The alternative without interpolation, p_new(z) = ∫ p(y) N(z; M(y), σ²) dy
/// by quadrature in y, fails exactly where li2024 needs it (σ ≪ h) and costs O(N·σ/h) per node when σ
/// is wide. (3) Each output grid is rebuilt around the image of the support, at the spacing of the next
/// level's finest component or of the sampler's own finest feature if that is smaller (tracked through
/// the steps as f ← √((min M'·f)² + noise²): a strongly contracting map makes a spike before the noise
/// spreads it), with TailSds noise sds of margin so that the periodic convolution never wraps, and
/// q_{t−1}'s support so that tails are carried, not cut. Convergence is checked by halving the spacing.
/// </para>
/// The map must be increasing on the support; a step where M'(y) ≤ 0 with non-negligible density is
/// refused with a message (summing over preimages would put integrable singularities into the density,
/// which no grid represents).
/// </summary>
public static class DensityPropagation
{
    /// <summary>Grid values below this fraction of the maximum are the round-off floor of the FFT and are not propagated.</summary>
    private const double SupportThreshold = 1e-14;

    private const int NewtonIterations = 12;

    /// <summary>
    /// Propagates and measures at the requested resolution and (when <see cref="DensityPropagationOptions.CheckRefinement"/>)
    /// at half the spacing; reports the finer values with the change as tolerance (StandardError 0).
    /// </summary>
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, DensityPropagationOptions? options = null)
        => Evaluate(KernelsOf(sampler, schedule), schedule, target, start, options);

    /// <inheritdoc cref="Evaluate(Sampler, NoiseSchedule, IDiffusedTarget, StartDistribution, DensityPropagationOptions?)"/>
    public static DistanceReport Evaluate(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, DensityPropagationOptions? options = null)
    {
        options ??= new DensityPropagationOptions();
        DensityPropagationResult coarse = Propagate(kernels, schedule, target, start, options);
        DensityPropagationResult result = coarse;
        double tv = 0, klPq = 0, klQp = 0;
        if (options.CheckRefinement)
        {
            result = Propagate(kernels, schedule, target, start, options with { PointsPerSd = 2 * options.PointsPerSd });
            tv = Math.Abs(result.TotalVariation - coarse.TotalVariation);
            klPq = Math.Abs(result.KlSamplerToTarget - coarse.KlSamplerToTarget);
            klQp = Math.Abs(result.KlTargetToSampler - coarse.KlTargetToSampler);
        }

        // A mass defect (tails cut at the round-off floor) moves TV by at most half of it and KL by about it.
        double massDefect = Math.Abs(result.Mass - 1.0);
        string notes =
            $"grid at level 1: {result.Density.Count} points, h = {result.Density.Spacing:G4} ({result.PointsPerSd} points per sd of the finest feature); " +
            (options.CheckRefinement ? $"change from h×2: TV {tv:G3}, KL(p‖q) {klPq:G3}, KL(q‖p) {klQp:G3}; " : "refinement not checked; ") +
            $"mass − 1 = {result.Mass - 1.0:G3}; min M' = {result.MinimumMapSlope:G4}";
        return new DistanceReport(
            Estimate.Exact(result.TotalVariation, tv + 0.5 * massDefect),
            Estimate.Exact(result.KlSamplerToTarget, klPq + massDefect),
            Estimate.Exact(result.KlTargetToSampler, klQp + massDefect),
            PathKl: null,
            DistanceMethod.Quadrature,
            result.Density.Count,
            Notes: notes);
    }

    /// <summary>The sampler's kernels in order of application: element 0 is the step at t = T, the last the step at t = 2.</summary>
    public static IReadOnlyList<StochasticKernel> KernelsOf(Sampler sampler, NoiseSchedule schedule)
    {
        if (!sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, "density propagation is for stochastic samplers; deterministic ones integrate over starting points");
        }

        var kernels = new StochasticKernel[schedule.Steps - 1];
        for (int i = 0; i < kernels.Length; i++)
        {
            kernels[i] = sampler.Kernel(schedule, schedule.Steps - i);
        }

        return kernels;
    }

    /// <summary>
    /// One propagation at one resolution. <paramref name="kernels"/> are in order of application:
    /// element i is the step at t = T − i (T − 1 of them). Level ᾱ_{t−1} of the schedule sets the grid
    /// of each output; the kernel's own AlphaBar sets the score level.
    /// </summary>
    public static DensityPropagationResult Propagate(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, DensityPropagationOptions? options = null)
    {
        options ??= new DensityPropagationOptions();
        options.Validate();
        int steps = schedule.Steps;
        if (kernels.Count != steps - 1)
        {
            throw new InvalidSpecificationException("kernels", $"{kernels.Count} kernels", $"need one kernel per step t = T..2, i.e. T − 1 = {steps - 1}");
        }

        var mixture = DensityPropagationMixture.From(target);
        var stencil = new LagrangeStencil(options.InterpolationPoints);
        int margin = options.InterpolationPoints;
        double tails = options.TailSds;

        DensityPropagationMixture.Level startLevel = mixture.At(schedule.AlphaBar(steps));
        GridDensity p = StartDensity(startLevel, start, options, margin);
        int largest = p.Count;
        double minSlope = double.PositiveInfinity;

        // The finest feature of the sampler's own density (not q's): a step whose map contracts strongly
        // (M' ≪ 1, e.g. a last cosine step with β ≈ 1) produces a spike narrower than q's components before
        // the post-noise spreads it again, and the grid must resolve that spike.
        double feature = start == StartDistribution.Gaussian ? Math.Min(1.0, startLevel.SmallestSd) : startLevel.SmallestSd;
        for (int i = 0; i < kernels.Count; i++)
        {
            int t = steps - i;
            StochasticKernel kernel = kernels[i];
            CheckKernel(kernel, t);
            if (kernel.PreNoise > 0)
            {
                (int first, int last) = SupportOf(p, t);
                p = p.ExtendedToCover(p.Node(first) - tails * kernel.PreNoise, p.Node(last) + tails * kernel.PreNoise, margin, options.MaxGridPoints);
                GaussianFourierConvolution.Apply(p.Values, p.Spacing, kernel.PreNoise);
                feature = Math.Sqrt(feature * feature + kernel.PreNoise * kernel.PreNoise);
            }

            DensityPropagationMixture.Level outputLevel = mixture.At(schedule.AlphaBar(t - 1));
            var map = new DensityPropagationMap(kernel, mixture, options.Score);
            p = Transport(p, map, t, outputLevel, stencil, options, ref feature, ref minSlope);
            GaussianFourierConvolution.Apply(p.Values, p.Spacing, kernel.PostNoise);
            feature = Math.Sqrt(feature * feature + kernel.PostNoise * kernel.PostNoise);
            largest = Math.Max(largest, p.Count);
            CheckFinite(p, t);
        }

        return Compare(p, mixture.At(schedule.AlphaBar(1)), stencil, options.PointsPerSd, largest, minSlope);
    }

    private static GridDensity StartDensity(DensityPropagationMixture.Level level, StartDistribution start, DensityPropagationOptions options, int margin)
    {
        double spacing = level.SmallestSd / options.PointsPerSd;
        if (start == StartDistribution.Gaussian)
        {
            // Y_T ~ N(0, 1); its spacing must resolve the standard normal as well as q_T.
            spacing = Math.Min(spacing, 1.0 / options.PointsPerSd);
            GridDensity g = GridDensity.Covering(-options.TailSds, options.TailSds, spacing, margin, options.MaxGridPoints);
            for (int i = 0; i < g.Count; i++)
            {
                double x = g.Node(i);
                g.Values[i] = Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
            }

            return g;
        }

        (double lo, double hi) = level.Support(options.TailSds);
        GridDensity q = GridDensity.Covering(lo, hi, spacing, margin, options.MaxGridPoints);
        for (int i = 0; i < q.Count; i++)
        {
            q.Values[i] = Math.Exp(level.LogDensity(q.Node(i)));
        }

        return q;
    }

    /// <summary>
    /// p_new(z) = p(y)/M'(y) with M(y) = z, on a new grid at the output level's spacing covering the image
    /// of the support plus TailSds post-noise sds, and q_{t−1}'s support (TailSds component sds): the
    /// tails are then carried down to the round-off floor, and p_1 and q_1 share one grid.
    /// </summary>
    private static GridDensity Transport(
        GridDensity p,
        DensityPropagationMap map,
        int t,
        DensityPropagationMixture.Level outputLevel,
        LagrangeStencil stencil,
        DensityPropagationOptions options,
        ref double feature,
        ref double minSlope)
    {
        // M must increase on the support (values above the round-off floor); beyond it the map is used as
        // far as it stays increasing, so that the tails below the floor are carried too rather than cut:
        // a cut acts like an absorbing wall whose depletion creeps inward over hundreds of steps.
        (int first, int last) = SupportOf(p, t);
        int count = p.Count;
        var image = new double[count];
        var slope = new double[count];
        for (int j = 0; j < count; j++)
        {
            map.Evaluate(p.Node(j), out image[j], out slope[j]);
        }

        double max = p.Values.Max();
        double stepMinSlope = double.PositiveInfinity;
        for (int j = first; j <= last; j++)
        {
            if (!(slope[j] > 0) || (j > first && !(image[j] > image[j - 1])))
            {
                throw NotMonotone(t, p.Node(j), slope[j], p.Values[j] / max);
            }

            stepMinSlope = Math.Min(stepMinSlope, slope[j]);
        }

        minSlope = Math.Min(minSlope, stepMinSlope);
        feature *= Math.Min(stepMinSlope, 1.0);

        int low = first;
        while (low > 0 && slope[low - 1] > 0 && image[low - 1] < image[low])
        {
            low--;
        }

        int high = last;
        while (high < count - 1 && slope[high + 1] > 0 && image[high + 1] > image[high])
        {
            high++;
        }

        if (high == low)
        {
            throw new InvalidOperationException($"density propagation: at t = {t} the density has collapsed onto one grid point; the grid cannot resolve it");
        }

        double reach = options.TailSds * map.Kernel.PostNoise;
        (double qLo, double qHi) = outputLevel.Support(options.TailSds);
        double lo = Math.Min(image[first] - reach, qLo);
        double hi = Math.Max(image[last] + reach, qHi);
        double lowImage = image[low];
        double highImage = image[high];
        double spacing = Math.Min(outputLevel.SmallestSd, feature) / options.PointsPerSd;
        GridDensity output = GridDensity.Covering(lo, hi, spacing, options.InterpolationPoints, options.MaxGridPoints);
        double h = p.Spacing;
        int bracket = low;
        for (int j = 0; j < output.Count; j++)
        {
            double z = output.Node(j);
            if (z < lowImage || z > highImage)
            {
                continue;
            }

            while (bracket < high - 1 && image[bracket + 1] < z)
            {
                bracket++;
            }

            // Newton on M(y) = z from the linear inverse, kept inside the bracket [y_i, y_{i+1}].
            double y0 = p.Node(bracket);
            double y1 = y0 + h;
            double y = y0 + h * (z - image[bracket]) / (image[bracket + 1] - image[bracket]);
            double value = 0, derivative = 0;
            for (int iteration = 0; iteration < NewtonIterations; iteration++)
            {
                map.Evaluate(y, out value, out derivative);
                if (!(derivative > 0))
                {
                    throw NotMonotone(t, y, derivative, p.ValueAt(y, stencil) / max);
                }

                double step = (value - z) / derivative;
                if (Math.Abs(step) <= 1e-13 * h + 4e-16 * Math.Abs(y))
                {
                    break;
                }

                y = Math.Clamp(y - step, y0, y1);
            }

            output.Values[j] = p.ValueAt(y, stencil) / derivative;
        }

        return output;
    }

    /// <summary>TV, KL(p‖q), KL(q‖p) of the grid density p_1 against q_1 by quadrature on p_1's grid.</summary>
    private static DensityPropagationResult Compare(GridDensity p, DensityPropagationMixture.Level q, LagrangeStencil stencil, int pointsPerSd, int largest, double minSlope)
    {
        int n = p.Count;
        double h = p.Spacing;
        var logQ = new double[n];
        var difference = new double[n];
        double klPq = 0, klQp = 0, massP = 0, massQ = 0;
        for (int i = 0; i < n; i++)
        {
            logQ[i] = q.LogDensity(p.Node(i));
            double qi = Math.Exp(logQ[i]);
            double pi = p.Values[i];
            difference[i] = pi - qi;

            // Non-negative integrands p ln(p/q) − p + q and q ln(q/p) − q + p (no cancellation between
            // large terms); the mass terms are added back below. Negative p (round-off in the tails) counts as 0.
            double pPos = Math.Max(pi, 0.0);
            double logP = pPos > 0 ? Math.Log(pPos) : -745.0;
            klPq += pPos > 0 ? pPos * (logP - logQ[i]) - pPos + qi : qi;
            klQp += qi * (logQ[i] - logP) - qi + pPos;
            massP += pPos;
            massQ += qi;
        }

        klPq = h * klPq + h * (massP - massQ);
        klQp = h * klQp + h * (massQ - massP);
        double tv = 0.5 * AbsoluteIntegral(difference, stencil) * h;
        return new DensityPropagationResult(p, tv, klPq, klQp, p.Mass, pointsPerSd, largest, minSlope);
    }

    /// <summary>
    /// ∫|f| in units of the spacing: cell by cell with the centred interpolant's exact cell integral,
    /// splitting cells where f changes sign at the interpolant's root, so the kink of |f| costs no
    /// accuracy (the trapezoid rule on |f| would be only O(h²) there).
    /// </summary>
    private static double AbsoluteIntegral(double[] f, LagrangeStencil stencil)
    {
        double sum = 0;
        for (int i = 0; i + 1 < f.Length; i++)
        {
            double whole = stencil.CellIntegral(f, i);
            if (f[i] * f[i + 1] >= 0)
            {
                sum += Math.Abs(whole);
                continue;
            }

            // Illinois (modified regula falsi) on the interpolant over u ∈ [0, 1].
            double a = 0, b = 1, fa = f[i], fb = f[i + 1];
            int side = 0;
            double root = 0.5;
            for (int iteration = 0; iteration < 100 && b - a > 1e-15; iteration++)
            {
                root = (a * fb - b * fa) / (fb - fa);
                double fr = stencil.InterpolateInCell(f, i, root);
                if (fr == 0)
                {
                    break;
                }

                if ((fr > 0) == (fb > 0))
                {
                    b = root;
                    fb = fr;
                    if (side == -1)
                    {
                        fa *= 0.5;
                    }

                    side = -1;
                }
                else
                {
                    a = root;
                    fa = fr;
                    if (side == 1)
                    {
                        fb *= 0.5;
                    }

                    side = 1;
                }
            }

            double left = stencil.PartialCellIntegral(f, i, root);
            sum += Math.Abs(left) + Math.Abs(whole - left);
        }

        return sum;
    }

    private static (int First, int Last) SupportOf(GridDensity p, int t)
    {
        (int first, int last) = p.Support(SupportThreshold);
        if (first < 0)
        {
            throw new InvalidOperationException($"density propagation: the density vanished at t = {t}");
        }

        return (first, last);
    }

    private static void CheckKernel(StochasticKernel k, int t)
    {
        if (!double.IsFinite(k.Scale) || !(k.Scale > 0) || !double.IsFinite(k.ScoreCoefficient)
            || !(k.PreNoise >= 0) || !double.IsFinite(k.PreNoise) || !(k.PostNoise >= 0) || !double.IsFinite(k.PostNoise)
            || !(k.AlphaBar > 0 && k.AlphaBar <= 1))
        {
            throw new InvalidSpecificationException($"kernel[t = {t}]", k.ToString(), "need Scale > 0, finite ScoreCoefficient, noises ≥ 0 and AlphaBar in (0, 1]");
        }
    }

    private static void CheckFinite(GridDensity p, int t)
    {
        foreach (double v in p.Values)
        {
            if (!double.IsFinite(v))
            {
                throw new InvalidOperationException($"density propagation: non-finite density value after step t = {t}");
            }
        }
    }

    private static InvalidOperationException NotMonotone(int t, double y, double slope, double relativeDensity) =>
        new($"density propagation: the map M(y) = Scale·(y + c·s_t(y)) of step t = {t} is not increasing: M'({y:G6}) = {slope:G4} " +
            $"where the density is {relativeDensity:G3} of its maximum. The change of variables needs an invertible map; " +
            "use more steps (smaller β_t) or a sample-based distance for this configuration.");
}
