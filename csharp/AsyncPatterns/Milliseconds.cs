namespace AsyncPatterns;

/// <summary>The one rounding rule for a delay (spec/PROTOCOL.md §5), as the references apply it.</summary>
/// <remarks>
/// <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> and
/// <see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/> cut a <see cref="TimeSpan"/> to whole milliseconds
/// (towards zero) before any <see cref="TimeProvider"/> sees it, so a reference rounds first: 74.5 ms waits 75 ms, as it
/// does in Python and JavaScript.
/// </remarks>
internal static class Milliseconds
{
    /// <summary>
    /// To the nearest whole millisecond, halves up (74.5 → 75, 0.4 → 0), on the value first rounded to a millionth of a
    /// millisecond so binary floating point cannot flip a half; negative or NaN is 0.
    /// </summary>
    /// <param name="milliseconds">The delay in milliseconds.</param>
    /// <returns>The whole milliseconds.</returns>
    public static double Round(double milliseconds) =>
        milliseconds > 0 ? Math.Floor(Math.Round(milliseconds, 6) + 0.5) : 0;

    /// <summary><paramref name="delay"/> rounded to whole milliseconds by <see cref="Round(double)"/>.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>A whole number of milliseconds.</returns>
    public static TimeSpan Round(TimeSpan delay) => TimeSpan.FromMilliseconds(Round(delay.TotalMilliseconds));
}
