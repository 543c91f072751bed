using AsyncPatterns.AntiPatterns;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.AntiPatterns;

public class AntiPatternRegistryTests
{
    public static TheoryData<string> Patterns => [.. Spec.PatternIds];

    [Fact]
    public void ByPattern_CoversEverySpecPattern() =>
        Assert.Equal(Spec.PatternIds, AntiPatternRegistry.ByPattern.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Patterns))]
    public void ByPattern_HasEveryAntiPatternOfTheSpec(string pattern) =>
        Assert.Equal(Spec.AntiPatternIds(pattern).Order(StringComparer.Ordinal), AntiPatternRegistry.ByPattern[pattern].Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Implementations_HaveXmlDocsNamingTheirId()
    {
        var docs = System.Xml.Linq.XDocument.Load(Path.ChangeExtension(typeof(AntiPatternRegistry).Assembly.Location, ".xml"));
        var summaries = docs.Descendants("member")
            .Where(member => ((string?)member.Attribute("name"))?.StartsWith("M:AsyncPatterns.AntiPatterns.", StringComparison.Ordinal) == true)
            .Select(member => member.Element("summary")?.Value ?? string.Empty)
            .ToArray();

        foreach (var (pattern, antiPatterns) in AntiPatternRegistry.ByPattern)
        {
            foreach (var id in antiPatterns.Keys)
            {
                Assert.True(summaries.Any(summary => summary.TrimStart().StartsWith(id + ":", StringComparison.Ordinal)), $"{pattern}/{id} has no doc line naming it");
            }
        }
    }
}
