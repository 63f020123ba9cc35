using System.Runtime.InteropServices;

namespace Diffusion.Verify.Targets;

/// <summary>
/// One thread's evaluations of a <see cref="GeneralMixture"/> at a block of rows and one level ᾱ: per row and
/// component the posterior weight w_k, the whitened residual z_k (in Q_k's eigenbasis) and g_k = −Q_k z_k, and
/// per row ln q. A score block computes them for all its rows at once, by matrix products (the rotations by
/// Q_k are then compute-bound instead of streaming each Q_k from memory once per row); the single-point
/// callers that follow at the same rows and level — the ln|det J| paths, up to three per row and step — find
/// them here instead of rotating again. Rows are found by their exact bits, with the level and the mixture,
/// so a hit is the evaluation itself, never a near one.
/// </summary>
internal sealed class GeneralMixtureRows
{
    private double[] _x = [];
    private int _hint;

    public GeneralMixture? Owner { get; private set; }

    public double AlphaBar { get; private set; }

    public int Rows { get; private set; }

    public int Dimension { get; private set; }

    /// <summary>Rows × K: the logits ln π_k + ln N_k while they are formed, then the posterior weights (softmax in place).</summary>
    public double[] Weights { get; private set; } = [];

    /// <summary>ln q per row.</summary>
    public double[] LogDensity { get; private set; } = [];

    /// <summary>Rows × K × d whitened residuals z_k.</summary>
    public double[] Whitened { get; private set; } = [];

    /// <summary>Rows × K × d component scores g_k = −Q_k z_k.</summary>
    public double[] ComponentScores { get; private set; } = [];

    /// <summary>Rows × d residuals x − √ᾱ μ_k of one component at a time (scratch of the owner).</summary>
    public double[] Residuals { get; private set; } = [];

    /// <summary>Takes the rows for a new evaluation: storage grown as needed, never shrunk; nothing valid until filled.</summary>
    public void Begin(GeneralMixture owner, ReadOnlySpan<double> x, int rows, double alphaBar)
    {
        int k = owner.Components;
        int d = owner.Dimension;
        Grow(rows, k, d);
        Owner = null; // invalid until the owner has filled every row
        AlphaBar = alphaBar;
        Rows = rows;
        Dimension = d;
        x[..(rows * d)].CopyTo(_x);
        _hint = 0;
    }

    /// <summary>Marks the evaluation complete: from now on <see cref="Find"/> may return its rows.</summary>
    public void Complete(GeneralMixture owner) => Owner = owner;

    /// <summary>The row holding the evaluation of <paramref name="owner"/> at exactly (x, ᾱ), or −1.</summary>
    public int Find(GeneralMixture owner, ReadOnlySpan<double> x, double alphaBar)
    {
        if (!ReferenceEquals(Owner, owner) || !AlphaBar.Equals(alphaBar) || x.Length != Dimension)
        {
            return -1;
        }

        ReadOnlySpan<byte> wanted = MemoryMarshal.AsBytes(x);
        for (int n = 0; n < Rows; n++)
        {
            int row = (_hint + n) % Rows;
            if (MemoryMarshal.AsBytes(_x.AsSpan(row * Dimension, Dimension)).SequenceEqual(wanted))
            {
                _hint = row + 1 == Rows ? 0 : row + 1;
                return row;
            }
        }

        return -1;
    }

    private void Grow(int rows, int k, int d)
    {
        _x = AtLeast(_x, rows * d);
        Residuals = AtLeast(Residuals, rows * d);
        LogDensity = AtLeast(LogDensity, rows);
        Weights = AtLeast(Weights, rows * k);
        Whitened = AtLeast(Whitened, rows * k * d);
        ComponentScores = AtLeast(ComponentScores, rows * k * d);
    }

    private static double[] AtLeast(double[] array, int length) => array.Length >= length ? array : new double[length];
}
