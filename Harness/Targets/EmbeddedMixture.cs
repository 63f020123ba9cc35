using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Targets;

/// <summary>
/// A mixture on an r-dimensional subspace (r = k, the intrinsic dimension, 1 ≤ r ≤ <see cref="MaxCoreDimension"/>)
/// of ℝ^d with isotropic spread σ⊥² ≥ 0 off it (DESIGN §3, §6): q_0 = law(U V + σ⊥ (I − UUᵀ) Z), V ~ core,
/// Z ~ N(0, I_d), so that q_t(x) = q_t^U(Uᵀx) · N(w; 0, v⊥ I_{d−r}) with w = x − UUᵀx and v⊥ = ᾱ σ⊥² + 1 − ᾱ.
/// Score, Jacobian and determinant split the same way; everything but the dense Jacobian is O(d r).
/// σ⊥² = 0 puts the data exactly on the subspace: q_0 has no density in ℝ^d, but every q_t with ᾱ &lt; 1
/// does (v⊥ = 1 − ᾱ &gt; 0), which is all the samplers and evaluators use (levels t ≥ 1).
/// </summary>
public sealed class EmbeddedMixture : IDiffusedTarget
{
    /// <summary>Largest ambient dimension accepted (the split makes cost linear in d).</summary>
    public const int MaxDimension = 10_000_000;

    /// <summary>
    /// Largest core dimension accepted: the per-point core algebra (r×r Jacobians, stack buffers) is O(r²)–O(r³),
    /// and evaluators beyond r = 2 use density-mc on the core, whose cost grows with r only through it.
    /// </summary>
    public const int MaxCoreDimension = 64;

    private readonly double[] _basis;
    private readonly double[] _basisVectors;

    /// <summary>U is Haar-random from <paramref name="seed"/> (<see cref="RandomOrthonormal"/>, TargetConstruction stream).</summary>
    public EmbeddedMixture(IDiffusedTarget core, int dimension, double complementVariance, long seed)
        : this(core, dimension, complementVariance, RandomBasis(core, dimension, seed), checkBasis: false)
    {
    }

    /// <summary><paramref name="basis"/> is U, d×r row-major with orthonormal columns (checked within 1e−9).</summary>
    public EmbeddedMixture(IDiffusedTarget core, int dimension, double complementVariance, double[] basis)
        : this(core, dimension, complementVariance, basis, checkBasis: true)
    {
    }

    private EmbeddedMixture(IDiffusedTarget core, int dimension, double complementVariance, double[] basis, bool checkBasis)
    {
        CheckShape(core, dimension);
        int r = core.Dimension;
        int d = dimension;
        if (!double.IsFinite(complementVariance) || complementVariance < 0)
        {
            throw new InvalidSpecificationException("complementVariance", complementVariance.ToString("R"), "σ⊥² must be finite and ≥ 0 (0: the data lie exactly on the subspace)");
        }

        if (basis.Length != d * r)
        {
            throw new InvalidSpecificationException("basis", $"{basis.Length} entries", $"U must be {d}×{r} row-major ({d * r} entries)");
        }

        Core = core;
        Dimension = d;
        CoreDimension = r;
        ComplementVariance = complementVariance;
        _basis = (double[])basis.Clone();
        _basisVectors = new double[r * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < r; j++)
            {
                _basisVectors[j * d + i] = _basis[i * r + j];
            }
        }

        if (checkBasis)
        {
            for (int a = 0; a < r; a++)
            {
                for (int b = 0; b <= a; b++)
                {
                    double dot = TensorPrimitives.Dot<double>(BasisVector(a), BasisVector(b));
                    if (!(Math.Abs(dot - (a == b ? 1.0 : 0.0)) <= 1e-9))
                    {
                        throw new InvalidSpecificationException("basis", $"column {a} · column {b} = {dot:R}", "U must have orthonormal columns within 1e-9");
                    }
                }
            }
        }

        Description = $"embedded(d={d},r={r},complementVariance={complementVariance:G},core={core.Description})";
    }

    public int Dimension { get; }

    public string Description { get; }

    /// <summary>The r-dimensional mixture q^U on the subspace, in the coordinates u = Uᵀx.</summary>
    public IDiffusedTarget Core { get; }

    /// <summary>r = k, the dimension of the subspace (the data's intrinsic dimension).</summary>
    public int CoreDimension { get; }

    public int IntrinsicDimension => ComplementVariance == 0 ? CoreDimension : Dimension;

    /// <summary>σ⊥² ≥ 0, the data variance in every direction orthogonal to U (0: data on the subspace).</summary>
    public double ComplementVariance { get; }

    /// <summary>U, d×r row-major (column j = basis vector j).</summary>
    public ReadOnlyMemory<double> Basis => _basis;

    /// <summary>Basis vector j (column j of U) as a contiguous d-vector.</summary>
    public ReadOnlySpan<double> BasisVector(int j) => _basisVectors.AsSpan(j * Dimension, Dimension);

    /// <summary>v⊥(ᾱ) = ᾱ σ⊥² + 1 − ᾱ, the variance of q_t in every direction orthogonal to U.</summary>
    public double ComplementDiffusedVariance(double alphaBar) => alphaBar * ComplementVariance + (1.0 - alphaBar);

    /// <summary>v⊥(ᾱ), refusing ᾱ = 1 with σ⊥² = 0 (data on the subspace: q_0 has no density off it).</summary>
    private double PositiveComplementVariance(double alphaBar)
    {
        double v = ComplementDiffusedVariance(alphaBar);
        if (Dimension == CoreDimension)
        {
            // No complement: any positive value gives it zero weight (its terms carry the factor d − r = 0 or cancel).
            return v > 0 ? v : 1.0;
        }

        if (!(v > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(alphaBar), alphaBar, $"v⊥ = ᾱσ⊥² + 1 − ᾱ = {v:R}: with σ⊥² = {ComplementVariance:R} the law at this level has no density off the subspace (use levels with ᾱ < 1)");
        }

        return v;
    }

    /// <summary>u = Uᵀx.</summary>
    public void Project(ReadOnlySpan<double> x, Span<double> u)
    {
        for (int j = 0; j < CoreDimension; j++)
        {
            u[j] = TensorPrimitives.Dot(BasisVector(j), x);
        }
    }

    private static double[] RandomBasis(IDiffusedTarget core, int dimension, long seed)
    {
        CheckShape(core, dimension);
        ulong key = CounterRandom.Key(seed, RandomStream.TargetConstruction, (int)ConstructionDraw.EmbeddingBasis, 0);
        return RandomOrthonormal.Columns(dimension, core.Dimension, key);
    }

    private static void CheckShape(IDiffusedTarget core, int dimension)
    {
        if (core.Dimension is < 1 or > MaxCoreDimension)
        {
            throw new InvalidSpecificationException("core", $"dimension {core.Dimension}", $"the core of an embedded mixture must have dimension 1 to {MaxCoreDimension}");
        }

        if (core is EmbeddedMixture)
        {
            throw new InvalidSpecificationException("core", core.Description, "the core must be a mixture (gmm, gaussian or random-gmm), not another embedded target");
        }

        if (dimension < core.Dimension || dimension > MaxDimension)
        {
            throw new InvalidSpecificationException("dimension", dimension.ToString(), $"the ambient dimension must be from the core's dimension ({core.Dimension}) to {MaxDimension}");
        }
    }

    public int ScratchLength(int rows) => 2 * rows * CoreDimension + rows + Core.ScratchLength(rows);

    public double LogDensity(ReadOnlySpan<double> x, double alphaBar)
    {
        Span<double> u = stackalloc double[CoreDimension];
        Project(x, u);
        double vPerp = PositiveComplementVariance(alphaBar);
        return Core.LogDensity(u, alphaBar) + ComplementLogDensity(ComplementSquaredNorm(x, u), vPerp);
    }

    public void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default)
    {
        int d = Dimension;
        int r = CoreDimension;
        Span<double> u = scratch[..(rows * r)];
        Span<double> coreScore = scratch.Slice(rows * r, rows * r);
        Span<double> coreLogDensity = scratch.Slice(2 * rows * r, rows);
        Span<double> coreScratch = scratch[(2 * rows * r + rows)..];
        for (int row = 0; row < rows; row++)
        {
            Project(x.Slice(row * d, d), u.Slice(row * r, r));
        }

        Core.ScoreBlock(u, rows, alphaBar, coreScore, coreScratch, logDensity.IsEmpty ? default : coreLogDensity);
        double vPerp = PositiveComplementVariance(alphaBar);
        for (int row = 0; row < rows; row++)
        {
            Span<double> sr = score.Slice(row * d, d);
            ReadOnlySpan<double> ur = u.Slice(row * r, r);

            // w = x − U u is built in the output row first, then s = U s^U(u) − w / v⊥.
            x.Slice(row * d, d).CopyTo(sr);
            for (int j = 0; j < r; j++)
            {
                TensorPrimitives.MultiplyAdd(BasisVector(j), -ur[j], sr, sr);
            }

            if (!logDensity.IsEmpty)
            {
                logDensity[row] = coreLogDensity[row] + ComplementLogDensity(TensorPrimitives.Dot<double>(sr, sr), vPerp);
            }

            TensorPrimitives.Multiply(sr, -1.0 / vPerp, sr);
            for (int j = 0; j < r; j++)
            {
                TensorPrimitives.MultiplyAdd(BasisVector(j), coreScore[row * r + j], sr, sr);
            }
        }
    }

    /// <summary>∇s = U ∇s^U Uᵀ − (I − UUᵀ)/v⊥ = −I/v⊥ + U (∇s^U + I_r/v⊥) Uᵀ.</summary>
    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        int d = Dimension;
        int r = CoreDimension;
        Span<double> u = stackalloc double[r];
        Span<double> m = stackalloc double[r * r];
        Span<double> a = stackalloc double[r];
        Project(x, u);
        Core.Jacobian(u, alphaBar, m);
        double inverseVPerp = 1.0 / PositiveComplementVariance(alphaBar);
        for (int j = 0; j < r; j++)
        {
            m[j * r + j] += inverseVPerp;
        }

        for (int i = 0; i < d; i++)
        {
            // row i = Σ_b (Σ_a U_ia M_ab) u_bᵀ
            for (int b = 0; b < r; b++)
            {
                double sum = 0;
                for (int c = 0; c < r; c++)
                {
                    sum += _basis[i * r + c] * m[c * r + b];
                }

                a[b] = sum;
            }

            Span<double> row = jacobian.Slice(i * d, d);
            TensorPrimitives.Multiply(BasisVector(0), a[0], row);
            for (int b = 1; b < r; b++)
            {
                TensorPrimitives.MultiplyAdd(BasisVector(b), a[b], row, row);
            }

            row[i] -= inverseVPerp;
        }
    }

    /// <summary>∇s = −I/v⊥ + U (∇s^U(Uᵀx) + I_r/v⊥) Uᵀ: rank r with P = Q = U.</summary>
    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
    {
        int r = CoreDimension;
        Span<double> u = stackalloc double[r];
        Project(x, u);
        double inverseVPerp = 1.0 / PositiveComplementVariance(alphaBar);
        destination.Reset(inverseVPerp, r, sharedFactors: true);
        Span<double> core = destination.Core;
        Core.Jacobian(u, alphaBar, core);
        for (int j = 0; j < r; j++)
        {
            core[(j * r) + j] += inverseVPerp;
            BasisVector(j).CopyTo(destination.Left(j));
        }

        return true;
    }

    /// <summary>ln|det(I + c∇s)| = (d − r) ln|1 − c/v⊥| + ln|det(I_r + c∇s^U)|.</summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        Span<double> u = stackalloc double[CoreDimension];
        Project(x, u);
        double ratio = scale / PositiveComplementVariance(alphaBar);
        double complement = Math.Abs(ratio) < 0.5 ? Elementary.Log1P(-ratio) : Math.Log(Math.Abs(1.0 - ratio));
        return (Dimension - CoreDimension) * complement + Core.LogAbsDetIdentityPlusScaledJacobian(u, alphaBar, scale);
    }

    /// <summary>
    /// X_0 = U V + σ⊥ (I − UUᵀ) Z: V from the core's data draw of (seed, sampleIndex) (step 0), Z from
    /// the data stream at step 1, so the two never share random numbers.
    /// </summary>
    /// <summary>KL is additive over the independent core and complement.</summary>
    public double ComponentKlToStandardNormal(double alphaBar) =>
        Core.ComponentKlToStandardNormal(alphaBar)
        + StartErrorBound.IsotropicKl(Dimension - CoreDimension, ComplementDiffusedVariance(alphaBar), 0.0);

    public void SampleData(long seed, long sampleIndex, Span<double> x)
    {
        int r = CoreDimension;
        Span<double> v = stackalloc double[r];
        Span<double> p = stackalloc double[r];
        x = x[..Dimension];
        Core.SampleData(seed, sampleIndex, v);
        CounterRandom.FillStandardNormal(CounterRandom.Key(seed, RandomStream.Data, 1, sampleIndex), x);
        Project(x, p);
        for (int j = 0; j < r; j++)
        {
            TensorPrimitives.MultiplyAdd(BasisVector(j), -p[j], x, x);
        }

        TensorPrimitives.Multiply(x, Math.Sqrt(ComplementVariance), x);
        for (int j = 0; j < r; j++)
        {
            TensorPrimitives.MultiplyAdd(BasisVector(j), v[j], x, x);
        }
    }

    /// <summary>|x − U u|², accumulated coordinate by coordinate (no d-vector needed, no cancellation of |x|² − |u|²).</summary>
    private double ComplementSquaredNorm(ReadOnlySpan<double> x, ReadOnlySpan<double> u)
    {
        int r = CoreDimension;
        double sum = 0;
        for (int i = 0; i < Dimension; i++)
        {
            double w = x[i];
            for (int j = 0; j < r; j++)
            {
                w -= _basis[i * r + j] * u[j];
            }

            sum += w * w;
        }

        return sum;
    }

    /// <summary>ln N(w; 0, v⊥ I_{d−r}) given |w|².</summary>
    private double ComplementLogDensity(double squaredNorm, double vPerp)
        => -0.5 * (Dimension - CoreDimension) * Math.Log(2 * Math.PI * vPerp) - 0.5 * squaredNorm / vPerp;
}
