namespace Diffusion.Verify.Fitting;

/// <summary>The publication a claim comes from: authors, year, arXiv id and the theorem or equation.</summary>
public sealed record ClaimSource(string Authors, int Year, string ArxivId, string Theorem)
{
    public string Cite => $"{Authors} {Year}, arXiv {ArxivId}, {Theorem}";
}
