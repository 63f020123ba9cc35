namespace Diffusion.Verify.Samplers;

/// <summary>
/// √α_t J = Identity · I + AtState · S + AtIntermediate · S₂ + Composed · S₂ S: a two-evaluation step's
/// Jacobian in terms of the score Jacobians S at the state and S₂ at the intermediate point.
/// </summary>
internal readonly record struct JacobianCombination(double Identity, double AtState, double AtIntermediate, double Composed);
