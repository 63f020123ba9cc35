using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The quantities the starting-point quadrature integrates, at a batch of starting points x = Y_T:
/// ln φ(x) (the start density) and the log-ratio l(x) = ln q_1(F(x)) + ln|det J(x)| − ln φ(x), where F is the
/// sampler map Y_T → Y_1 run by the real sampler code. r = eˡ is q_1/p_1 at the output F(x), since
/// p_1(F(x)) = φ(x)/|det J(x)| for an injective F.
/// </summary>
internal sealed class StartingPointQuadratureMap
{
    private readonly Sampler _sampler;
    private readonly NoiseSchedule _schedule;
    private readonly IScore _score;
    private readonly IDiffusedTarget _target;
    private readonly StartDistribution _start;
    private readonly int _maxDegreeOfParallelism;
    private readonly CancellationToken _cancellation;
    private long _samplerRuns;

    public StartingPointQuadratureMap(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, StartDistribution start, int maxDegreeOfParallelism, CancellationToken cancellation)
    {
        if (sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, "the starting-point quadrature needs a deterministic sampler");
        }

        if (score.Dimension != target.Dimension)
        {
            throw new InvalidSpecificationException("score", score.Description, $"score dimension {score.Dimension} differs from the target's {target.Dimension}");
        }

        if (target.Dimension is < 1 or > 2)
        {
            throw new InvalidSpecificationException("target", target.Description, "the starting-point quadrature handles dimension 1 or 2 (use the embedded combination or density-mc beyond)");
        }

        _sampler = sampler;
        _schedule = schedule;
        _score = score;
        _target = target;
        _start = start;
        _maxDegreeOfParallelism = maxDegreeOfParallelism;
        _cancellation = cancellation;
        AlphaBarStart = schedule.AlphaBar(schedule.Steps);
        AlphaBarEnd = schedule.AlphaBar(1);
    }

    public int Dimension => _target.Dimension;

    /// <summary>T of the schedule.</summary>
    public int Steps => _schedule.Steps;

    public double AlphaBarStart { get; }

    public double AlphaBarEnd { get; }

    /// <summary>Sampler runs made so far (one per starting point).</summary>
    public long SamplerRuns => Interlocked.Read(ref _samplerRuns);

    /// <summary>
    /// ln φ and l at each of the rows × d points; <paramref name="outputs"/> (optional, rows × d) receives F(x).
    /// </summary>
    public void Evaluate(double[] points, int rows, Span<double> logStart, Span<double> logRatio, Span<double> outputs = default)
    {
        if (rows == 0)
        {
            return;
        }

        int d = Dimension;
        ReadOnlySpan<double> starts = points.AsSpan(0, rows * d);
        SampleSet run = SamplerRunner.RunFrom(_sampler, _schedule, _score, starts, accumulateLogDeterminant: true, blockSize: 64, maxDegreeOfParallelism: _maxDegreeOfParallelism, cancellation: _cancellation);
        Interlocked.Add(ref _samplerRuns, rows);
        double[] logDeterminant = run.LogDeterminant!;
        double[] logStartArray = new double[rows];
        double[] logRatioArray = new double[rows];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism, CancellationToken = _cancellation };
        Parallel.For(0, (rows + 255) / 256, parallel, chunk =>
        {
            int end = Math.Min(rows, (chunk + 1) * 256);
            for (int i = chunk * 256; i < end; i++)
            {
                ReadOnlySpan<double> x = points.AsSpan(i * d, d);
                double lnPhi = LogStartDensity(x);
                double lnTarget = _target.LogDensity(run.Output.AsSpan(i * d, d), AlphaBarEnd);
                logStartArray[i] = lnPhi;
                logRatioArray[i] = lnTarget + logDeterminant[i] - lnPhi;
            }
        });

        logStartArray.CopyTo(logStart);
        logRatioArray.CopyTo(logRatio);
        if (!outputs.IsEmpty)
        {
            run.Output.AsSpan(0, rows * d).CopyTo(outputs);
        }
    }

    /// <summary>φ = N(0, I) for the Gaussian start, q_T for the exact start.</summary>
    public double LogStartDensity(ReadOnlySpan<double> x)
    {
        if (_start == StartDistribution.Exact)
        {
            return _target.LogDensity(x, AlphaBarStart);
        }

        double squared = 0;
        foreach (double v in x)
        {
            squared += v * v;
        }

        return -0.5 * squared - 0.5 * x.Length * Math.Log(2 * Math.PI);
    }
}
