namespace AsyncConf.Runner;

/// <summary>A time parameter of the protocol (milliseconds, a JSON number) as a <see cref="TimeSpan"/>.</summary>
internal static class TimeParameter
{
    /// <summary>
    /// <paramref name="milliseconds"/> as a <see cref="TimeSpan"/>: past what one holds, cut to +-10^12 ms (a value
    /// every option refuses); a value other than 0 that is less than a tick (100 ns) away from it, one tick of its
    /// sign -- never <see cref="TimeSpan.Zero"/>, which a domain may take where it refuses the value given
    /// (racing's hedge_ms is 0 or from 1: a hedge of 2.4e-18 ms became 0, parallel mode, where Python and
    /// JavaScript refused it; found by asyncconf fuzz).
    /// </summary>
    /// <param name="milliseconds">The value, in ms.</param>
    /// <returns>The time.</returns>
    public static TimeSpan FromMilliseconds(double milliseconds)
    {
        var time = TimeSpan.FromMilliseconds(Math.Clamp(milliseconds, -1e12, 1e12));
        return time == TimeSpan.Zero && milliseconds != 0 && !double.IsNaN(milliseconds)
            ? TimeSpan.FromTicks(Math.Sign(milliseconds))
            : time;
    }
}
