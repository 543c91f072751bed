using System.Runtime.ExceptionServices;

namespace AsyncPatterns.OffloadBlocking;

/// <summary>
/// Runs blocking or CPU-bound work off the caller's thread (the event loop), at most
/// <see cref="OffloadBlockingOptions.MaxWorkers"/> calls at once (spec/patterns/offload-blocking.yaml).
/// </summary>
public static class OffloadBlockingStrategy
{
    /// <summary>
    /// <c>[work(item) for item in items]</c>, each call on a thread-pool thread (<see cref="Task.Run{TResult}(Func{TResult}, CancellationToken)"/>).
    /// </summary>
    /// <remarks>
    /// <para>Guarantees (the spec's rules): <paramref name="work"/> never runs on the caller's thread, so a loop on it stays
    /// responsive while the work blocks (R1); at most <see cref="OffloadBlockingOptions.MaxWorkers"/> calls run at once,
    /// started in input order as each ends — one lane per worker takes item after item (R2); the values come back in
    /// input order once the last call ended (R3); the first failure propagates unchanged, at once — the exception itself,
    /// its stack trace kept — and no further item starts (R4); the caller's cancellation returns at once as an
    /// <see cref="OperationCanceledException"/>, and no further item starts (R5). A call already running is not waited
    /// for in either case: a thread cannot be interrupted, so it runs to its end and its result is dropped.</para>
    /// <para>No items: an empty list at once, no thread used (R6).</para>
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The blocking work: a synchronous function, called once per item on a thread-pool thread.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The options; validated first.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public static async Task<IReadOnlyList<T>> RunAsync<TItem, T>(
        Func<TItem, T> work, IEnumerable<TItem> items, OffloadBlockingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var todo = items.ToArray();
        if (todo.Length == 0)
        {
            return [];
        }

        var results = new T[todo.Length];
        var next = -1;
        Exception? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task LaneAsync(CancellationToken token)
        {
            while (!token.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= todo.Length)
                {
                    return;
                }

                var item = todo[index];
                (T? Value, Exception? Error) outcome;
                try
                {
                    // Not waited for once stopped: the thread runs its call to the end, and the result is dropped. The
                    // thread hands back what happened rather than throwing it: a failure that comes after this lane
                    // stopped waiting would fault a task nobody observes.
                    outcome = await Task.Run(() => Outcome(work, item), token).WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return; // asked for: the caller's cancellation, or another lane's failure
                }

                if (outcome.Error is { } error)
                {
                    // The work's own OperationCanceledException, which nobody asked for, is a failure like any other.
                    Interlocked.CompareExchange(ref firstFailure, error, null);
                    stop.Cancel();
                    return;
                }

                results[index] = outcome.Value!;
            }
        }

        var lanes = new Task[Math.Min(options.MaxWorkers, todo.Length)];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = LaneAsync(stop.Token);
        }

        await Task.WhenAll(lanes).ConfigureAwait(false); // a lane never fails: it keeps its failure apart
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Runs the work once (on a pool thread): its value, or the very exception it threw.</summary>
    private static (T? Value, Exception? Error) Outcome<TItem, T>(Func<TItem, T> work, TItem item)
    {
        try
        {
            return (work(item), null);
        }
        catch (Exception error)
        {
            return (default, error);
        }
    }
}
