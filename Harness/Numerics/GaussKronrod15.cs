namespace Diffusion.Verify.Numerics;

/// <summary>
/// The 7-point Gauss / 15-point Kronrod pair (QUADPACK qk15 constants) and an adaptive bisection on it.
/// On an interval where the integrand's logarithm varies by O(1), K15 alone is exact to far below double
/// precision (it integrates polynomials of degree 22), which the closed-form masses rely on.
/// </summary>
internal static class GaussKronrod15
{
    private static readonly double[] Nodes =
    [
        0.991455371120812639206854697526329,
        0.949107912342758524526189684047851,
        0.864864423359769072789712788640926,
        0.741531185599394439863864773280788,
        0.586087235467691130294144845693013,
        0.405845151377397166906606412076961,
        0.207784955007898467600689403773245,
        0.0,
    ];

    private static readonly double[] KronrodWeights =
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
        0.209482141084727828012999174891714,
    ];

    // Gauss weights of the nodes with odd index (1, 3, 5, 7).
    private static readonly double[] GaussWeights =
    [
        0.129484966168869693270611432679082,
        0.279705391489276667901467771423780,
        0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ];

    /// <summary>∫_a^b f by K15, with |K15 − G7| as a (pessimistic) error estimate.</summary>
    public static double Panel<TFunction>(ref TFunction f, double a, double b, out double error)
        where TFunction : struct, IRealFunction
        => CentredPanel(ref f, 0.5 * (a + b), 0.5 * (b - a), out error);

    /// <summary>
    /// ∫ f over [centre − half, centre + half] by K15. Taking the half-width directly keeps full relative
    /// precision for intervals far narrower than the ulp of their position.
    /// </summary>
    public static double CentredPanel<TFunction>(ref TFunction f, double centre, double half, out double error)
        where TFunction : struct, IRealFunction
    {
        double fc = f.Evaluate(centre);
        double kronrod = fc * KronrodWeights[7];
        double gauss = fc * GaussWeights[3];
        for (int i = 0; i < 7; i++)
        {
            double dx = half * Nodes[i];
            double sum = f.Evaluate(centre - dx) + f.Evaluate(centre + dx);
            kronrod += KronrodWeights[i] * sum;
            if ((i & 1) == 1)
            {
                gauss += GaussWeights[i >> 1] * sum;
            }
        }

        error = Math.Abs((kronrod - gauss) * half);
        return kronrod * half;
    }

    /// <summary>
    /// ∫_a^b f by globally adaptive bisection (QUADPACK QAG style): the piece with the largest error estimate
    /// is halved until the summed estimate is below <paramref name="tolerance"/> or
    /// <paramref name="maxPieces"/> pieces exist, so a noisy or oscillating integrand costs a bounded amount.
    /// <paramref name="error"/> is the summed estimate of the final pieces.
    /// </summary>
    public static double Adaptive<TFunction>(ref TFunction f, double a, double b, double tolerance, out double error, int maxPieces = 400)
        where TFunction : struct, IRealFunction
    {
        var pieces = new PriorityQueue<(double A, double B, double Value, double Error), double>();
        double value = Panel(ref f, a, b, out double e);
        pieces.Enqueue((a, b, value, e), -e);
        double total = value;
        error = e;
        while (error > tolerance && pieces.Count < maxPieces)
        {
            var worst = pieces.Dequeue();
            double mid = 0.5 * (worst.A + worst.B);
            if (mid <= worst.A || mid >= worst.B)
            {
                pieces.Enqueue(worst, double.PositiveInfinity);
                break;
            }

            double left = Panel(ref f, worst.A, mid, out double leftError);
            double right = Panel(ref f, mid, worst.B, out double rightError);
            total += left + right - worst.Value;
            error += leftError + rightError - worst.Error;
            pieces.Enqueue((worst.A, mid, left, leftError), -leftError);
            pieces.Enqueue((mid, worst.B, right, rightError), -rightError);
        }

        // Re-sum so that the running updates leave no rounding drift.
        total = 0;
        error = 0;
        foreach (var (element, _) in pieces.UnorderedItems)
        {
            total += element.Value;
            error += element.Error;
        }

        return total;
    }
}
