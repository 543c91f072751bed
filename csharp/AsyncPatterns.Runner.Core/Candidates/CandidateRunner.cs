using System.Text;

namespace AsyncConf.Runner.Candidates;

/// <summary>Makes a console app a protocol runner for your candidates (spec/PROTOCOL.md §1), in one line.</summary>
public static class CandidateRunner
{
    /// <summary>
    /// Serves <paramref name="registry"/> as JSON Lines -- one request per line on <paramref name="input"/> (stdin by
    /// default), one answer per line on <paramref name="output"/> (stdout), flushed after each -- until the input closes.
    /// </summary>
    /// <param name="registry">The candidates to serve.</param>
    /// <param name="input">The requests; null: stdin.</param>
    /// <param name="output">The answers; null: stdout.</param>
    /// <returns>0, the process's exit code.</returns>
    public static int Serve(CandidateRegistry registry, TextReader? input = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using var stdin = input is null ? new StreamReader(Console.OpenStandardInput(), utf8) : null;
        using var stdout = output is null ? new StreamWriter(Console.OpenStandardOutput(), utf8) { NewLine = "\n" } : null;
        var reader = input ?? stdin!;
        var writer = output ?? stdout!;
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            writer.Write(registry.Handle(line));
            writer.Write('\n');
            writer.Flush();
        }

        return 0;
    }
}
