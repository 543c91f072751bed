using System.Diagnostics;
using System.Runtime.CompilerServices;
using AsyncConf.Runner.VirtualTime;

namespace AsyncPatterns.Tests.TestSupport;

/// <summary>What a body run on virtual time produced, and when.</summary>
/// <typeparam name="T">The body's result type.</typeparam>
internal sealed record VirtualResult<T>(T? Value, Exception? Error, long ElapsedMs, LoopStop Stop)
{
    /// <summary>Gets what the helper saw of the pool when the run stopped unsettled, or retried.</summary>
    public string? Why { get; init; }

    public T Result => ElapsedMs < 0
        ? throw new InvalidOperationException($"the body did not settle: the loop stopped with {Stop} ({Why})")
        : Error is null ? Value! : throw new InvalidOperationException($"the body failed: {Error}", Error);
}

/// <summary>Runs a body on a <see cref="RunLoop"/> over a fresh <see cref="VirtualTimeProvider"/>, as the runner does.</summary>
internal static class Virtual
{
    // The test host keeps pool threads of its own busy (blocked: 2 here, the test's thread included). The baseline is
    // the fewest seen so far, never more: one reading taken while a host thread was briefly busy too (a loaded machine
    // kept one busy through a whole 200 ms window) would let a run take its own pool work for the host's and read a wrong
    // time. Too low a baseline costs a PoolBusy stop: the run is then tried once more on a baseline measured afresh
    // (CI once had the host keep one more thread busy for 46 s, and every run in that time stopped with PoolBusy).
    private static int _baseline = RunLoop.MeasureBaselineBusyWorkers(TimeSpan.FromMilliseconds(200)).Baseline;

    private static int Baseline()
    {
        var now = RunLoop.BusyWorkers();
        int seen;
        do
        {
            seen = Volatile.Read(ref _baseline);
        }
        while (now < seen && Interlocked.CompareExchange(ref _baseline, now, seen) != seen);

        return Math.Min(now, seen);
    }

    /// <summary>Runs <paramref name="body"/> on virtual time; a run that stops with PoolBusy at the loop's own budget (a
    /// test that sets a budget expects it) runs again once, on a baseline measured after it. A second PoolBusy stands:
    /// a body that leaves pool work running leaves it again. Likewise a run that stops with RealTimer: the loop reads the
    /// process's timer count, and a timer the test host armed meanwhile reads as the body's (<see cref="HostTimers"/>); a
    /// body's own real timer stops the second run too.</summary>
    public static VirtualResult<T> Run<T>(Func<VirtualTimeProvider, Task<T>> body, Action<VirtualTimeProvider, RunLoop>? setUp = null)
    {
        var (result, budgetIsTheLoops) = RunOnce(body, setUp, Baseline());
        if (result.Stop == LoopStop.RealTimer)
        {
            var (afterTimer, _) = RunOnce(body, setUp, Baseline());
            const string firstTimer = "the first run stopped with RealTimer (a real timer was armed in the process meanwhile); tried again";
            return afterTimer with { Why = afterTimer.Why is null ? firstTimer : $"{firstTimer}: {afterTimer.Why}" };
        }

        if (result.Stop != LoopStop.PoolBusy || !budgetIsTheLoops)
        {
            return result;
        }

        var busyAtTheStop = RunLoop.BusyWorkers();
        var remeasured = RunLoop.MeasureBaselineBusyWorkers(TimeSpan.FromMilliseconds(300)).Baseline;
        Volatile.Write(ref _baseline, remeasured);
        var (again, _) = RunOnce(body, setUp, remeasured);
        var first = $"the first run stopped with PoolBusy, {busyAtTheStop} workers busy at the stop; tried again on a baseline of {remeasured}";
        return again with { Why = again.Why is null ? first : $"{first}: {again.Why}" };
    }

    private static (VirtualResult<T> Result, bool BudgetIsTheLoops) RunOnce<T>(Func<VirtualTimeProvider, Task<T>> body, Action<VirtualTimeProvider, RunLoop>? setUp, int baseline)
    {
        var time = new VirtualTimeProvider();
        var loop = new RunLoop(time) { BaselineBusyWorkers = baseline };
        var loopsBudget = loop.QuiescenceBudget;
        setUp?.Invoke(time, loop);
        Task<T>? task = null;
        long? settledAt = null;
        loop.Post(
            _ =>
            {
                task = body(time);
                task.ContinueWith(_ => settledAt = time.NowMs, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            },
            null);
        var stop = loop.RunUntil(() => settledAt is not null, Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency));
        var budgetIsTheLoops = loop.QuiescenceBudget == loopsBudget;
        if (settledAt is null)
        {
            return (new VirtualResult<T>(default, null, -1, stop) { Why = $"{RunLoop.BusyWorkers()} workers busy at the stop, on a baseline of {baseline}" }, budgetIsTheLoops);
        }

        try
        {
            return (new VirtualResult<T>(task!.GetAwaiter().GetResult(), null, settledAt.Value, stop), budgetIsTheLoops);
        }
        catch (Exception error)
        {
            return (new VirtualResult<T>(default, error, settledAt.Value, stop), budgetIsTheLoops);
        }
    }

    public static VirtualResult<T> Run<T>(Func<VirtualTimeProvider, CancellationToken, Task<T>> body, long cancelAtMs)
    {
        // A caller of its own for each run (a run may be tried twice), made before the body runs.
        CancellationTokenSource? caller = null;
        return Run(
            time => body(time, caller!.Token),
            (time, _) =>
            {
                var own = caller = new CancellationTokenSource();
                time.CreateTimer(_ => own.Cancel(), null, TimeSpan.FromMilliseconds(cancelAtMs), System.Threading.Timeout.InfiniteTimeSpan);
            });
    }
}

/// <summary>A scripted operation on virtual time that records when it was called, and what happened to each call.</summary>
internal sealed class FakeOperation(TimeProvider time)
{
    private readonly List<string> _log = [];

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    public int Calls => Log.Count(entry => entry.StartsWith("call ", StringComparison.Ordinal));

    public IReadOnlyList<long> CallTimes(string key) =>
        [.. Log.Where(entry => entry.StartsWith($"call {key} ", StringComparison.Ordinal)).Select(entry => long.Parse(entry.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A call that completes after <paramref name="afterMs"/> with <paramref name="value"/> or <paramref name="error"/>,
    /// or never (<paramref name="afterMs"/> null) until cancelled; it then takes <paramref name="cancelMs"/> to stop.</summary>
    public async Task<T> Call<T>(string key, long? afterMs, T value, CancellationToken cancellationToken, Exception? error = null, long cancelMs = 0)
    {
        Record($"call {key} {Now}");
        try
        {
            await Task.Delay(afterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : System.Threading.Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (cancelMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(cancelMs), time, CancellationToken.None).ConfigureAwait(false);
            }

            Record($"cancel {key} {Now}");
            throw;
        }

        if (error is not null)
        {
            Record($"fail {key} {Now}");
            throw error;
        }

        Record($"ok {key} {Now}");
        return value;
    }

    /// <summary>A producer (backpressure): each item is a call of <c>produce</c> that takes <paramref name="afterMs"/>.</summary>
    public async IAsyncEnumerable<string> Produce(IReadOnlyList<string> items, long afterMs, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            await Call("produce", afterMs, item, cancellationToken).ConfigureAwait(false);
            yield return item;
        }
    }

    private long Now => (long)time.GetElapsedTime(0).TotalMilliseconds;

    private void Record(string entry)
    {
        lock (_log)
        {
            _log.Add(entry);
        }
    }
}
