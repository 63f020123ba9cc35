namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// A score Jacobian in the structured form ∇s(x) = −κ I + P C Qᵀ, with P and Q d×m and C m×m, m small
/// (an isotropic mixture has m = K, P = Q = [g_1 … g_K], C = diag(w) − w wᵀ; DESIGN §3). Determinants of
/// maps built from it then need only m×m algebra (matrix determinant lemma), see <see cref="LowRankDeterminant"/>.
/// <para>
/// A reusable buffer: <see cref="Reset"/> sets the rank and grows the storage only when the rank exceeds
/// any seen before, so filling it once per row and step allocates nothing after the first use.
/// </para>
/// </summary>
public sealed class LowRankJacobian
{
    private double[] _left = [];
    private double[] _right = [];
    private double[] _core = [];

    public LowRankJacobian(int dimension)
    {
        if (dimension < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "must be at least 1");
        }

        Dimension = dimension;
    }

    public int Dimension { get; }

    /// <summary>m, the number of columns of P and Q.</summary>
    public int Rank { get; private set; }

    /// <summary>κ in −κ I.</summary>
    public double Kappa { get; set; }

    /// <summary>True when Q = P (the columns are stored once and <see cref="Right"/> returns <see cref="Left"/>'s).</summary>
    public bool SharedFactors { get; private set; }

    /// <summary>C, m×m row-major.</summary>
    public Span<double> Core => _core.AsSpan(0, Rank * Rank);

    /// <summary>Starts a new Jacobian of rank m: C is zeroed, the columns of P (and Q) are left for the caller to fill.</summary>
    public void Reset(double kappa, int rank, bool sharedFactors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        Kappa = kappa;
        Rank = rank;
        SharedFactors = sharedFactors;
        Grow(ref _left, rank * Dimension, 0);
        if (!sharedFactors)
        {
            Grow(ref _right, rank * Dimension, 0);
        }

        Grow(ref _core, rank * rank, 0);
        Core.Clear();
    }

    /// <summary>Column j of P.</summary>
    public Span<double> Left(int j) => _left.AsSpan(CheckColumn(j) * Dimension, Dimension);

    /// <summary>Column j of Q.</summary>
    public Span<double> Right(int j) => (SharedFactors ? _left : _right).AsSpan(CheckColumn(j) * Dimension, Dimension);

    /// <summary>The m columns of P, contiguous (column j at [j d, j d + d)).</summary>
    public ReadOnlySpan<double> LeftColumns => _left.AsSpan(0, Rank * Dimension);

    /// <summary>The m columns of Q, contiguous.</summary>
    public ReadOnlySpan<double> RightColumns => (SharedFactors ? _left : _right).AsSpan(0, Rank * Dimension);

    /// <summary>∇s ← f ∇s: κ and C scale, P and Q stay.</summary>
    public void Scale(double factor)
    {
        Kappa *= factor;
        foreach (ref double c in Core)
        {
            c *= factor;
        }
    }

    /// <summary>∇s ← ∇s + a u vᵀ: P ← [P, u], Q ← [Q, v], C ← diag(C, a).</summary>
    public void AppendRankOne(ReadOnlySpan<double> u, ReadOnlySpan<double> v, double a)
    {
        int d = Dimension;
        int m = Rank;
        if (SharedFactors)
        {
            Grow(ref _right, (m + 1) * d, 0);
            _left.AsSpan(0, m * d).CopyTo(_right);
            SharedFactors = false;
        }
        else
        {
            Grow(ref _right, (m + 1) * d, m * d);
        }

        Grow(ref _left, (m + 1) * d, m * d);
        u.CopyTo(_left.AsSpan(m * d, d));
        v.CopyTo(_right.AsSpan(m * d, d));

        // Re-lay C from stride m to stride m + 1, from the end so nothing is overwritten before it is read.
        Grow(ref _core, (m + 1) * (m + 1), m * m);
        for (int i = m - 1; i >= 0; i--)
        {
            for (int j = m - 1; j >= 0; j--)
            {
                _core[(i * (m + 1)) + j] = _core[(i * m) + j];
            }

            _core[(i * (m + 1)) + m] = 0;
        }

        _core.AsSpan(m * (m + 1), m).Clear();
        _core[(m * (m + 1)) + m] = a;
        Rank = m + 1;
    }

    /// <summary>The dense d×d matrix −κ I + P C Qᵀ, row-major (for tests and dense fallbacks).</summary>
    public void ToDense(Span<double> jacobian)
    {
        int d = Dimension;
        int m = Rank;
        ReadOnlySpan<double> core = Core;
        Span<double> pc = m <= 256 ? stackalloc double[m] : new double[m];
        for (int i = 0; i < d; i++)
        {
            // row i = Σ_b (Σ_a P_ia C_ab) Q_bᵀ − κ e_iᵀ
            for (int b = 0; b < m; b++)
            {
                double sum = 0;
                for (int a = 0; a < m; a++)
                {
                    sum += Left(a)[i] * core[(a * m) + b];
                }

                pc[b] = sum;
            }

            Span<double> row = jacobian.Slice(i * d, d);
            row.Clear();
            for (int b = 0; b < m; b++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(Right(b), pc[b], row, row);
            }

            row[i] -= Kappa;
        }
    }

    private int CheckColumn(int j) => (uint)j < (uint)Rank ? j : throw new ArgumentOutOfRangeException(nameof(j), j, $"the rank is {Rank}");

    /// <summary>Ensures length ≥ <paramref name="length"/>, keeping the first <paramref name="keep"/> values.</summary>
    private static void Grow(ref double[] buffer, int length, int keep)
    {
        if (buffer.Length >= length)
        {
            return;
        }

        var larger = new double[Math.Max(length, 2 * buffer.Length)];
        buffer.AsSpan(0, keep).CopyTo(larger);
        buffer = larger;
    }
}
