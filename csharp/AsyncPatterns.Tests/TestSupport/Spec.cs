using System.Globalization;

namespace AsyncPatterns.Tests.TestSupport;

/// <summary>
/// Reads the few lines of <c>spec/patterns/*.yaml</c> the tests need — the flat <c>params:</c> block and the ids of the
/// <c>antipatterns:</c> list — without a YAML library (the SDK has none). The format those lines take is the spec's
/// own (checked by spec/schema.json); anything else fails the test that reads it, loudly.
/// </summary>
internal static class Spec
{
    public static string PatternsDirectory { get; } = FindPatternsDirectory();

    public static IReadOnlyList<string> PatternIds =>
        [.. Directory.GetFiles(PatternsDirectory, "*.yaml").Select(path => Path.GetFileNameWithoutExtension(path)!).Order(StringComparer.Ordinal)];

    /// <summary>The <c>params:</c> of a pattern: each value as written (<c>1000</c>, <c>none</c>, <c>[a, b, c]</c>).</summary>
    public static IReadOnlyDictionary<string, string> Params(string patternId)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Block(patternId, "params:"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var value = line[(colon + 1)..];
            var comment = value.IndexOf(" #", StringComparison.Ordinal);
            values[line[..colon].Trim()] = (comment < 0 ? value : value[..comment]).Trim();
        }

        return values;
    }

    public static long Integer(string patternId, string name) => long.Parse(Params(patternId)[name], CultureInfo.InvariantCulture);

    /// <summary>The ids of the pattern's <c>antipatterns:</c> list that have a C# form, in spec order.</summary>
    /// <remarks>
    /// An entry is one line (<c>- {id: x, text: ...}</c>) or starts one (<c>- id: x</c>, its other keys below). A one-line
    /// entry whose <c>langs: [...]</c> leaves out csharp is not C#'s to implement.
    /// </remarks>
    public static IReadOnlyList<string> AntiPatternIds(string patternId) =>
        [.. Block(patternId, "antipatterns:").Where(line => line.TrimStart().StartsWith("- ", StringComparison.Ordinal) && HasCSharpForm(line) && ForCSharp(line)).Select(line =>
        {
            var start = line.IndexOf("id:", StringComparison.Ordinal) + 3;
            var end = line.IndexOfAny([',', '}'], start);
            return (end < 0 ? line[start..] : line[start..end]).Trim();
        })];

    private static bool HasCSharpForm(string entry)
    {
        var langs = entry.IndexOf("langs: [", StringComparison.Ordinal);
        return langs < 0 || entry[langs..entry.IndexOf(']', langs)].Contains("csharp", StringComparison.Ordinal);
    }

    /// <summary>Whether an anti-pattern's line has no <c>langs:</c> list, or one naming csharp.</summary>
    private static bool ForCSharp(string line)
    {
        var at = line.IndexOf("langs:", StringComparison.Ordinal);
        return at < 0 || line[at..line.IndexOf(']', at)].Contains("csharp", StringComparison.Ordinal);
    }

    /// <summary>The indented lines under a top-level key.</summary>
    private static IEnumerable<string> Block(string patternId, string header)
    {
        var lines = File.ReadAllLines(Path.Combine(PatternsDirectory, $"{patternId}.yaml"));
        var start = Array.IndexOf(lines, header);
        if (start < 0 && Array.IndexOf(lines, $"{header} {{}}") >= 0)
        {
            return []; // an empty mapping written inline (`params: {}`)
        }

        if (start < 0)
        {
            throw new InvalidDataException($"{patternId}.yaml has no top-level `{header}` line");
        }

        return lines.Skip(start + 1).TakeWhile(line => line.Length == 0 || line.StartsWith(' ')).Where(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith('#'));
    }

    private static string FindPatternsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "spec", "patterns");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no spec/patterns above {AppContext.BaseDirectory}");
    }
}
