// The asyncconf runner for .NET as a JSON Lines process (spec/PROTOCOL.md §1): one request per line on stdin, one
// answer per line on stdout, flushed after each, until stdin closes. A blank line is skipped; a line that is not a JSON
// object gets an error answer with a null id, and the process goes on serving. Logs go to stderr.
using System.Text;
using AsyncConf.Runner;

var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
using var input = new StreamReader(Console.OpenStandardInput(), utf8);
using var output = new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = false, NewLine = "\n" };
while (input.ReadLine() is { } line)
{
    if (string.IsNullOrWhiteSpace(line))
    {
        continue;
    }

    output.WriteLine(Protocol.Handle(line));
    output.Flush();
}

return 0;
