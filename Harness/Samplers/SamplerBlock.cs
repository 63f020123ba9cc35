using System.Runtime.CompilerServices;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The working set of one block of rows: the current state Y (rows × d, row-major) and every buffer the
/// samplers need, allocated once per block and reused for every step so the hot loop allocates nothing.
/// Randomness is drawn per row from counter keys (seed, stream, t, global sample index), so a row's path
/// does not depend on which block or thread carries it.
/// </summary>
public sealed class SamplerBlock
{
    private readonly double[] _scoreScratch;
    private double[]? _jacobianScratch;
    private LowRankJacobian? _lowRankAtState;
    private LowRankJacobian? _lowRankAtIntermediate;
    private double[] _lowRankScratch = [];

    public SamplerBlock(NoiseSchedule schedule, IScore score, long seed, int capacity, bool accumulateLogDeterminant)
    {
        Schedule = schedule;
        Score = score;
        Seed = seed;
        Dimension = score.Dimension;
        Capacity = capacity;
        int size = capacity * Dimension;
        State = new double[size];
        ScoreAtState = new double[size];
        Intermediate = new double[size];
        ScoreAtIntermediate = new double[size];
        Noise = new double[size];
        History = new double[size];
        _scoreScratch = new double[score.ScratchLength(capacity)];
        if (accumulateLogDeterminant)
        {
            LogDeterminant = new double[capacity];
        }
    }

    public NoiseSchedule Schedule { get; }

    public IScore Score { get; }

    public long Seed { get; }

    public int Dimension { get; }

    public int Capacity { get; }

    /// <summary>Rows in use in this block.</summary>
    public int Rows { get; private set; }

    /// <summary>Global index of row 0, the sample index the randomness is keyed on.</summary>
    public long FirstSampleIndex { get; private set; }

    /// <summary>Y_t, rows × d.</summary>
    public double[] State { get; }

    /// <summary>Buffer for s_t(Y_t) (or ε_t(Y_t)).</summary>
    public double[] ScoreAtState { get; }

    /// <summary>Buffer for an intermediate point (acc-ode's Y_t⁻, DPM-Solver's u, acc-sde's Y_t⁺).</summary>
    public double[] Intermediate { get; }

    /// <summary>Buffer for the score at the intermediate point.</summary>
    public double[] ScoreAtIntermediate { get; }

    /// <summary>Buffer for Gaussian draws.</summary>
    public double[] Noise { get; }

    /// <summary>State a multistep rule carries from one step to the next (acc-ode-ms's ε_{t+1}(Y_{t+1})).</summary>
    public double[] History { get; }

    /// <summary>Whether <see cref="History"/> holds a value from the previous step.</summary>
    public bool HasHistory { get; set; }

    /// <summary>Per-row accumulated ln|det J| of the map Y_T → Y_t, or null when not requested.</summary>
    public double[]? LogDeterminant { get; }

    /// <summary>
    /// Scratch for dense Jacobians (4 d×d matrices) when ln|det J| is accumulated, else null. Allocated on
    /// first use: samplers whose score has a low-rank Jacobian never touch it, and at large d it is big.
    /// </summary>
    public double[]? JacobianScratch => LogDeterminant is null ? null : _jacobianScratch ??= new double[4 * Dimension * Dimension];

    /// <summary>
    /// Up to this dimension the ln|det J| paths form the dense d×d Jacobians: a 1×1 or 2×2 product and LU
    /// cost less than the low-rank factors (whose rank, K for a mixture, already exceeds d).
    /// </summary>
    public const int DenseJacobianDimension = 2;

    /// <summary>A reusable low-rank Jacobian for the score at the state (ln|det J| paths).</summary>
    public LowRankJacobian LowRankAtState => _lowRankAtState ??= new LowRankJacobian(Dimension);

    /// <summary>A reusable low-rank Jacobian for the score at the intermediate point.</summary>
    public LowRankJacobian LowRankAtIntermediate => _lowRankAtIntermediate ??= new LowRankJacobian(Dimension);

    /// <summary>Scratch of at least <paramref name="length"/> doubles for low-rank determinant algebra (grown, never shrunk).</summary>
    public Span<double> LowRankScratch(int length)
    {
        if (_lowRankScratch.Length < length)
        {
            _lowRankScratch = new double[Math.Max(length, 2 * _lowRankScratch.Length)];
        }

        return _lowRankScratch.AsSpan(0, length);
    }

    /// <summary>
    /// Set by a step whose update pass already found every value of the new state finite, so that the
    /// runner skips its own pass over the state (it clears the flag each step; when the flag is false the
    /// runner checks, and finds and reports the first non-finite value, as for any sampler).
    /// </summary>
    public bool StateCheckedFinite { get; set; }

    /// <summary>Extra per-block state a sampler may attach (e.g. a tangent map for multistep rules).</summary>
    public object? SamplerState { get; set; }

    /// <summary>Rows × d span of a buffer.</summary>
    public Span<double> Active(double[] buffer) => buffer.AsSpan(0, Rows * Dimension);

    /// <summary>Row i of a buffer.</summary>
    public Span<double> Row(double[] buffer, int i) => buffer.AsSpan(i * Dimension, Dimension);

    /// <summary>Prepares the block for rows [first, first + rows).</summary>
    public void Reset(long firstSampleIndex, int rows)
    {
        if (rows < 1 || rows > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a block holds 1..{Capacity} rows");
        }

        FirstSampleIndex = firstSampleIndex;
        Rows = rows;
        HasHistory = false;
        StateCheckedFinite = false;
        SamplerState = null;
        if (LogDeterminant is not null)
        {
            Array.Clear(LogDeterminant);
        }
    }

    /// <summary>s(x, ᾱ) for every row of <paramref name="x"/> into <paramref name="score"/>.</summary>
    public void EvaluateScore(double[] x, double alphaBar, double[] score)
    {
        Score.Evaluate(x.AsSpan(0, Rows * Dimension), Rows, alphaBar, score.AsSpan(0, Rows * Dimension), _scoreScratch);
    }

    /// <summary>Fresh N(0, I) draws for every row, keyed on (seed, stream, t, sample index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DrawNoise(RandomStream stream, int t, double[] destination)
    {
        for (int i = 0; i < Rows; i++)
        {
            ulong key = CounterRandom.Key(Seed, stream, t, FirstSampleIndex + i);
            CounterRandom.FillStandardNormal(key, Row(destination, i));
        }
    }
}
