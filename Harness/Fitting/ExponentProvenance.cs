namespace Diffusion.Verify.Fitting;

/// <summary>Where an exponent of a claim's bound comes from (DESIGN §7: "whether each exponent was read in the source").</summary>
public enum ExponentProvenance
{
    /// <summary>Read in the source's own text (theorem statement or abstract).</summary>
    Source,

    /// <summary>Not re-read in the source by whoever entered the claim; taken from a quotation of it (DESIGN, an issue, a secondary summary) that the record names.</summary>
    Quoted,

    /// <summary>Unknown: the claim is judged without it (a log power as 0, a d exponent not at all), and labelled so.</summary>
    Unread,
}
