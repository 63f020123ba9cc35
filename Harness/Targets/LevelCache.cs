namespace Diffusion.Verify.Targets;

/// <summary>
/// The constants a target needs at a noise level ᾱ, remembered for the last three levels used (one instance per
/// thread and target type). Single-point callers — a Jacobian or a log-density per row, as the ln|det J|
/// paths and the quadratures make them — come once per row at one level, or alternate between two (a
/// two-stage sampler evaluates at ᾱ_t and at its intermediate level); recomputing the constants per point
/// costs more than the point itself in low dimension, and at d = 1000 a full-covariance level (K dense
/// precisions) costs ~0.1 s. Three slots, least recently used refilled: acc-ode's step t uses ᾱ_t and ᾱ_{t+1}
/// and step t − 1 then ᾱ_{t−1} and ᾱ_t, so the level the next step shares survives the first miss (with two
/// slots it was the one evicted, and every step filled both levels).
/// </summary>
/// <typeparam name="TLevel">The per-level storage; created per slot (lazily) when the owning target changes.</typeparam>
internal sealed class LevelCache<TLevel>
    where TLevel : class
{
    private const int Slots = 3;

    private readonly TLevel?[] _slots = new TLevel?[Slots];
    private readonly double[] _alphaBar = new double[Slots];
    private readonly bool[] _filled = new bool[Slots];
    private readonly long[] _lastUse = new long[Slots];
    private object? _owner;
    private long _clock;

    /// <summary>
    /// The slot holding level <paramref name="alphaBar"/> of <paramref name="owner"/>, filled by
    /// <paramref name="fill"/> on a miss; <paramref name="create"/> makes a slot's storage for a new owner.
    /// </summary>
    public TLevel Get<TOwner>(TOwner owner, double alphaBar, Func<TOwner, TLevel> create, Action<TOwner, double, TLevel> fill)
        where TOwner : class
    {
        if (!ReferenceEquals(_owner, owner))
        {
            _owner = owner;
            Array.Clear(_slots);
            Array.Clear(_filled);
            Array.Clear(_lastUse);
        }

        _clock++;
        int refill = 0;
        for (int slot = 0; slot < Slots; slot++)
        {
            if (_filled[slot] && _alphaBar[slot].Equals(alphaBar))
            {
                _lastUse[slot] = _clock;
                return _slots[slot]!;
            }

            if (_lastUse[slot] < _lastUse[refill])
            {
                refill = slot;
            }
        }

        // Storage is made on a slot's first fill: callers that alternate between two levels never pay for a third.
        TLevel level = _slots[refill] ??= create(owner);
        _filled[refill] = false;
        fill(owner, alphaBar, level);
        _alphaBar[refill] = alphaBar;
        _filled[refill] = true;
        _lastUse[refill] = _clock;
        return level;
    }
}
