using AsyncPatterns.Racing;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes racing exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/racing.yaml</c>), each with the
/// signature of <see cref="RacingStrategy.RaceAsync{TItem, T}"/>. The suite must reject every one.
/// </summary>
public static class RacingAntiPatterns
{
    /// <summary><c>first-settled</c>: <c>await await Task.WhenAny(calls)</c>, the first to settle wins, a failure included.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options (ignored).</param>
    /// <param name="timeProvider">The clock (unused).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first settled alternative's value.</returns>
    public static async Task<T> FirstSettledAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var racing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = items.Select(item => operation(item, racing.Token)).ToArray();
        try
        {
            var first = await Task.WhenAny(calls).ConfigureAwait(false);
            return await first.ConfigureAwait(false);
        }
        finally
        {
            racing.Cancel();
            await Task.WhenAll((IEnumerable<Task>)calls).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary><c>losers-left-running</c>: returns the first success and leaves the other alternatives running.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options (ignored).</param>
    /// <param name="timeProvider">The clock (unused).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value.</returns>
    public static Task<T> LosersLeftRunningAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken) =>
        FirstSuccessAsync(items.Select(item => operation(item, cancellationToken)).ToArray(), cancellationToken);

    /// <summary><c>no-wait-for-losers</c>: cancels the losers but returns before they have stopped.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options (ignored).</param>
    /// <param name="timeProvider">The clock (unused).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value.</returns>
    public static async Task<T> NoWaitForLosersAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var racing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            return await FirstSuccessAsync(items.Select(item => operation(item, racing.Token)).ToArray(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            racing.Cancel(); // and no wait: the losers may still be stopping
        }
    }

    /// <summary><c>sequential</c>: tries the alternatives one after another, each only once the previous one has failed.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options (ignored).</param>
    /// <param name="timeProvider">The clock (unused).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value.</returns>
    public static async Task<T> SequentialAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        foreach (var item in items)
        {
            try
            {
                return await operation(item, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(error);
            }
        }

        throw new AggregateException(failures);
    }

    /// <summary><c>waits-for-all</c>: waits for every alternative to settle, then takes the first success.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options (ignored).</param>
    /// <param name="timeProvider">The clock (unused).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value, in input order.</returns>
    public static async Task<T> WaitsForAllAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var calls = items.Select(item => operation(item, cancellationToken)).ToArray();
        await Task.WhenAll((IEnumerable<Task>)calls).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        var success = Array.Find(calls, call => call.IsCompletedSuccessfully);
        return success is not null ? success.Result : throw new AggregateException(calls.Select(ErrorOf));
    }

    /// <summary>
    /// <c>hedges-on-timer-only</c>: starts alternative i at i times the hedge delay, even when every running one has
    /// failed already.
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The alternatives.</param>
    /// <param name="options">The racing options.</param>
    /// <param name="timeProvider">The clock of the hedge delay.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value.</returns>
    public static async Task<T> HedgesOnTimerOnlyAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, RacingOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var racing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = timeProvider ?? TimeProvider.System;

        async Task<T> DelayedAsync(TItem item, int index, CancellationToken token)
        {
            if (index > 0)
            {
                await Task.Delay(options.HedgeDelay * index, clock, token).ConfigureAwait(false);
            }

            return await operation(item, token).ConfigureAwait(false);
        }

        var calls = items.Select((item, index) => DelayedAsync(item, index, racing.Token)).ToArray();
        try
        {
            return await FirstSuccessAsync(calls, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            racing.Cancel();
            await Task.WhenAll((IEnumerable<Task>)calls).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task<T> FirstSuccessAsync<T>(Task<T>[] calls, CancellationToken cancellationToken)
    {
        var pending = new List<Task<T>>(calls);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                return done.Result;
            }
        }

        cancellationToken.ThrowIfCancellationRequested(); // the caller's cancellation is no failure of the alternatives
        throw new AggregateException(calls.Select(ErrorOf));
    }

    private static Exception ErrorOf(Task task) => task.Exception?.InnerException ?? new OperationCanceledException();
}
