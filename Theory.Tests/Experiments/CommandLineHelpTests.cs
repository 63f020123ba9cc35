using System.CommandLine;
using System.Text.RegularExpressions;
using Diffusion.Verify.Experiments.Cli;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The command line as a new user meets it: --help at the top and for every command (exit 0, on standard
/// output), --version, and a README whose usage tables name every option the help lists.
/// </summary>
public sealed class CommandLineHelpTests
{
    private static readonly RootCommand Root = Entry.Commands(new Terminal(TextWriter.Null, TextWriter.Null), CancellationToken.None);

    public static TheoryData<string> CommandNames() => new(Root.Subcommands.Select(c => c.Name));

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void TopLevelHelpListsEveryCommandAndTheExitCodes(string flag)
    {
        var (code, output, error) = PipelineTestFiles.Cli(flag);
        Assert.True(code == 0, error);
        foreach (Command command in Root.Subcommands)
        {
            Assert.Contains($"  {command.Name}", output);
        }

        Assert.Contains("130 cancelled", output);
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void EveryCommandHasHelpListingItsOptions(string name)
    {
        var (code, output, error) = PipelineTestFiles.Cli(name, "--help");
        Assert.True(code == 0, error);
        Assert.Contains($" {name} ", output);
        foreach (Option option in Root.Subcommands.Single(c => c.Name == name).Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--help"))
        {
            Assert.Contains(option.Name, output);
        }
    }

    [Fact]
    public void VersionPrintsAVersionAndExitsZero()
    {
        var (code, output, _) = PipelineTestFiles.Cli("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }

    [Fact]
    public void TheReadmeDocumentsEveryCommandAndOption()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        foreach (Command command in Root.Subcommands)
        {
            Assert.Matches(new Regex($@"\| `{Regex.Escape(command.Name)}\b"), readme);
            foreach (Option option in command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--help"))
            {
                Assert.True(readme.Contains($"`{option.Name}", StringComparison.Ordinal) || readme.Contains($" {option.Name} ", StringComparison.Ordinal), $"README does not mention {command.Name} {option.Name}");
            }
        }
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Diffusion.Verify.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
