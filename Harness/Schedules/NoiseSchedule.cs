using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Schedules;

/// <summary>
/// β_1..β_{T+1} with α_t = 1 − β_t and ᾱ_t = ∏_{i≤t} α_i (DESIGN §2). Level T+1 exists because the
/// accelerated ODE sampler evaluates α_{T+1} and s_{T+1} at its first step.
/// ln ᾱ is accumulated as Σ log1p(−β) so that tiny β and tiny ᾱ_T keep full relative precision.
/// α_t is kept beside β_t, each from the quantity the schedule is defined by: 1 − β_t for schedules given
/// by β (exact when β ≥ ½), exp(ln α_t) for those given by ln α (logsnr, cosine), where 1 − β_t would lose
/// all relative precision as β_t → 1 (at T = 3 on the logsnr grid α_3 ≈ 2e−11).
/// Indices are the paper's: t = 0 is the data (ᾱ_0 = 1), t = 1..T+1 the noise levels.
/// </summary>
public sealed class NoiseSchedule
{
    private readonly double[] _beta;
    private readonly double[] _alpha;
    private readonly double[] _logAlpha;
    private readonly double[] _logAlphaBar;

    private NoiseSchedule(string name, int steps, double[] beta, double[] alpha, double[] logAlpha, double[] logAlphaBar, IReadOnlyList<string> warnings)
    {
        Name = name;
        Steps = steps;
        _beta = beta;
        _alpha = alpha;
        _logAlpha = logAlpha;
        _logAlphaBar = logAlphaBar;
        Warnings = warnings;
    }

    public string Name { get; }

    /// <summary>T: the number of levels the samplers walk down (t = T..2 produce Y_{T−1}..Y_1).</summary>
    public int Steps { get; }

    /// <summary>Warnings about parameters that are valid but suspicious (large β, ᾱ_T far from 0).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public double Beta(int t) => _beta[CheckLevel(t)];

    public double Alpha(int t) => _alpha[CheckLevel(t)];

    public double LogAlpha(int t) => _logAlpha[CheckLevel(t)];

    public double AlphaBar(int t) => Math.Exp(_logAlphaBar[CheckLevel(t)]);

    public double LogAlphaBar(int t) => _logAlphaBar[CheckLevel(t)];

    /// <summary>1 − ᾱ_t computed without cancellation when ᾱ_t is close to 1.</summary>
    public double OneMinusAlphaBar(int t) => -Elementary.ExpM1(_logAlphaBar[CheckLevel(t)]);

    /// <summary>h = max_{t ≤ T} β_t, the largest step size; li2024 slopes are judged against it (DESIGN §7).</summary>
    public double MaxBeta
    {
        get
        {
            double max = 0;
            for (int t = 1; t <= Steps; t++)
            {
                max = Math.Max(max, _beta[t]);
            }

            return max;
        }
    }

    /// <summary>
    /// Builds a schedule from β_1..β_{T+1} (array index 0 ↔ t = 1). Rejects β outside (0, 1) and non-finite
    /// values; warns when β_max &gt; 0.5 or ᾱ_T &gt; 1e−8.
    /// </summary>
    public static NoiseSchedule FromBetas(string name, int steps, ReadOnlySpan<double> betas)
    {
        CheckSteps(steps);
        if (betas.Length != steps + 1)
        {
            throw new InvalidSpecificationException("betas.Length", betas.Length.ToString(), $"need T + 1 = {steps + 1} values");
        }

        var logAlpha = new double[steps + 2];
        var alpha = new double[steps + 2];
        var beta = new double[steps + 2];
        for (int t = 1; t <= steps + 1; t++)
        {
            double b = betas[t - 1];
            if (!double.IsFinite(b) || b <= 0 || b >= 1)
            {
                throw new InvalidSpecificationException($"{name}.beta[{t}]", b.ToString("R"), "each β_t must be finite and in (0, 1)");
            }

            beta[t] = b;
            alpha[t] = 1.0 - b;
            logAlpha[t] = Elementary.Log1P(-b);
        }

        return FromLogAlphas(name, steps, beta, alpha, logAlpha);
    }

    /// <summary>
    /// Builds a schedule from ln α_t (array index 0 ↔ t = 1), for schedules defined through ᾱ directly
    /// (logsnr, cosine), where ln α_t = ln ᾱ_t − ln ᾱ_{t−1} is the well-conditioned quantity.
    /// </summary>
    public static NoiseSchedule FromLogAlphas(string name, int steps, ReadOnlySpan<double> logAlphas)
    {
        CheckSteps(steps);
        if (logAlphas.Length != steps + 1)
        {
            throw new InvalidSpecificationException("logAlphas.Length", logAlphas.Length.ToString(), $"need T + 1 = {steps + 1} values");
        }

        var logAlpha = new double[steps + 2];
        var alpha = new double[steps + 2];
        var beta = new double[steps + 2];
        for (int t = 1; t <= steps + 1; t++)
        {
            double la = logAlphas[t - 1];
            double b = -Elementary.ExpM1(la);
            if (!double.IsFinite(la) || la >= 0 || b >= 1)
            {
                throw new InvalidSpecificationException($"{name}.beta[{t}]", b.ToString("R"), "each β_t must be finite and in (0, 1)");
            }

            beta[t] = b;
            alpha[t] = Math.Exp(la);
            logAlpha[t] = la;
        }

        return FromLogAlphas(name, steps, beta, alpha, logAlpha);
    }

    private static NoiseSchedule FromLogAlphas(string name, int steps, double[] beta, double[] alpha, double[] logAlpha)
    {
        var logAlphaBar = new double[steps + 2];
        double sum = 0;
        for (int t = 1; t <= steps + 1; t++)
        {
            sum += logAlpha[t];
            logAlphaBar[t] = sum;
        }

        var warnings = new List<string>();
        double maxBeta = 0;
        for (int t = 1; t <= steps; t++)
        {
            maxBeta = Math.Max(maxBeta, beta[t]);
        }

        if (maxBeta > 0.5)
        {
            warnings.Add($"{name}: β_max = {maxBeta:G4} > 0.5 (T = {steps}); steps this large are far from the asymptotic regime");
        }

        double alphaBarT = Math.Exp(logAlphaBar[steps]);
        if (alphaBarT > 1e-8)
        {
            warnings.Add($"{name}: ᾱ_T = {alphaBarT:G4} > 1e-8 (T = {steps}); the N(0, I) start is visibly off q_T (use --start exact to isolate discretisation error)");
        }

        return new NoiseSchedule(name, steps, beta, alpha, logAlpha, logAlphaBar, warnings);
    }

    internal static void CheckSteps(int steps)
    {
        if (steps < 2)
        {
            throw new InvalidSpecificationException("T", steps.ToString(), "the number of steps must be at least 2");
        }
    }

    private int CheckLevel(int t)
    {
        if ((uint)t > (uint)(Steps + 1))
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, $"levels run from 0 to T + 1 = {Steps + 1}");
        }

        return t;
    }
}
