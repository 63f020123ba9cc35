namespace Diffusion.Verify.Targets;

/// <summary>
/// The constants a target needs at a noise level ᾱ, remembered for the last two levels (one instance per
/// thread and target type). Single-point callers — a Jacobian or a log-density per row, as the ln|det J|
/// paths and the quadratures make them — come once per row at one level, or alternate between two (a
/// two-stage sampler evaluates at ᾱ_t and at its intermediate level); recomputing the constants per point
/// costs more than the point itself in low dimension. A miss refills the slot not used last.
/// </summary>
/// <typeparam name="TLevel">The per-level storage; created per slot when the owning target changes.</typeparam>
internal sealed class LevelCache<TLevel>
    where TLevel : class
{
    private readonly TLevel?[] _slots = new TLevel?[2];
    private readonly double[] _alphaBar = new double[2];
    private readonly bool[] _filled = new bool[2];
    private object? _owner;
    private int _recent;

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
            _slots[0] = create(owner);
            _slots[1] = create(owner);
            _filled[0] = _filled[1] = false;
        }

        for (int slot = 0; slot < 2; slot++)
        {
            if (_filled[slot] && _alphaBar[slot].Equals(alphaBar))
            {
                _recent = slot;
                return _slots[slot]!;
            }
        }

        int refill = 1 - _recent;
        TLevel level = _slots[refill]!;
        _filled[refill] = false;
        fill(owner, alphaBar, level);
        _alphaBar[refill] = alphaBar;
        _filled[refill] = true;
        _recent = refill;
        return level;
    }
}
