using System.Diagnostics;
using AsyncConf.Runner.VirtualTime;

namespace AsyncConf.Runner;

/// <summary>The run's clock as the instruments use it: every callback runs on the loop, with no synchronization context.</summary>
internal abstract class RunClock
{
    protected RunClock(RunLoop loop) => Loop = loop;

    /// <summary>Gets the loop of the run.</summary>
    public RunLoop Loop { get; }

    /// <summary>Gets the clock reading in whole milliseconds since the run started.</summary>
    public abstract long NowMs { get; }

    /// <summary>Gets the <see cref="TimeProvider"/> the pattern is given.</summary>
    public abstract TimeProvider TimeProvider { get; }

    /// <summary>Runs <paramref name="action"/> on the loop after <paramref name="milliseconds"/>.</summary>
    public abstract IDisposable After(long milliseconds, Action action);

    /// <summary>Runs <paramref name="action"/> on the loop's next turn, at the same millisecond, without a timer.</summary>
    public void Soon(Action action) => Loop.PostInternal(action);
}

/// <summary>Virtual time: timers of a <see cref="VirtualTimeProvider"/>, fired by the loop.</summary>
internal sealed class VirtualRunClock(RunLoop loop, VirtualTimeProvider provider) : RunClock(loop)
{
    public override long NowMs => provider.NowMs;

    /// <summary>The loop's thread was busy for <paramref name="milliseconds"/>: the clock moves on at once (<see cref="VirtualTimeProvider.Consume"/>).</summary>
    public void Consume(long milliseconds) => provider.Consume(milliseconds);

    public override TimeProvider TimeProvider => provider;

    /// <summary>On a timer of the runner's own: never work the implementation left pending (spec/PROTOCOL.md §7).</summary>
    public override IDisposable After(long milliseconds, Action action) =>
        provider.CreateRunnerTimer(static a => ((Action)a!)(), action, TimeSpan.FromMilliseconds(milliseconds), Timeout.InfiniteTimeSpan);
}

/// <summary>Real time: <see cref="TimeProvider.System"/> timers whose callbacks are posted to the loop.</summary>
internal sealed class RealRunClock(RunLoop loop) : RunClock(loop)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public override long NowMs => (long)Math.Round(Stopwatch.GetElapsedTime(_start).TotalMilliseconds, MidpointRounding.ToEven);

    public override TimeProvider TimeProvider => TimeProvider.System;

    public override IDisposable After(long milliseconds, Action action) =>
        TimeProvider.System.CreateTimer(
            static state =>
            {
                var (loop, callback) = ((RunLoop, Action))state!;
                loop.PostInternal(callback);
            },
            (Loop, action),
            TimeSpan.FromMilliseconds(milliseconds),
            Timeout.InfiniteTimeSpan);
}
