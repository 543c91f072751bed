using System.Runtime.ExceptionServices;

namespace AsyncPatterns.BoundedConcurrency;

/// <summary>
/// Bounded concurrency (spec <c>spec/patterns/bounded-concurrency.yaml</c>): process items with at most
/// <see cref="BoundedConcurrencyOptions.Limit"/> operations in flight, using every free slot; results in input order.
/// </summary>
public static class BoundedConcurrencyStrategy
{
    /// <summary>Maps every item through <paramref name="operation"/> with at most <see cref="BoundedConcurrencyOptions.Limit"/> running at once.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: at most <see cref="BoundedConcurrencyOptions.Limit"/> operations run at any time.</item>
    /// <item>R2: items start in input order, each as soon as a slot is free: the limit is fully used (neither one at a
    /// time nor batch by batch).</item>
    /// <item>R3: results come back in input order, not completion order.</item>
    /// <item>R4: fail fast: on the first failure no further item starts, the running operations are cancelled (through the
    /// token they receive), and that failure propagates unchanged (the same exception, not an
    /// <see cref="AggregateException"/>) once they have stopped.</item>
    /// <item>R5: a caller's cancellation cancels the running operations, starts no new one, and propagates as
    /// <see cref="OperationCanceledException"/>.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation, called once per item with a token cancelled on the first failure or by the caller.</param>
    /// <param name="items">The items, started in this order.</param>
    /// <param name="options">The concurrency options, validated before the first item starts.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operations' values, in input order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (thrown before the first item starts).</exception>
    public static Task<IReadOnlyList<T>> MapAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        IEnumerable<TItem> items,
        BoundedConcurrencyOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return MapCoreAsync(operation, items.ToArray(), options.Limit, cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> MapCoreAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        TItem[] items,
        int limit,
        CancellationToken cancellationToken)
    {
        var results = new T[items.Length];
        Exception? firstFailure = null;
        var taken = -1; // the index of the last item a worker took
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // `limit` workers, each taking the next item as soon as its previous one is done (R2): a task per worker, not
        // per item (as Parallel.ForEachAsync does), so the cost per item stays flat however many items there are.
        async Task WorkAsync(CancellationToken token)
        {
            int index;
            while (!stop.IsCancellationRequested && (index = Interlocked.Increment(ref taken)) < items.Length)
            {
                try
                {
                    results[index] = await operation(items[index], token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return; // stopped by the first failure or by the caller: no failure of its own
                }
                catch (Exception error)
                {
                    // The first failure stops the rest (R4): no further item starts, the running ones are cancelled.
                    if (Interlocked.CompareExchange(ref firstFailure, error, null) is null)
                    {
                        stop.Cancel();
                    }

                    return;
                }
            }
        }

        var workers = new Task[Math.Min(limit, items.Length)];
        for (var worker = 0; worker < workers.Length; worker++)
        {
            workers[worker] = WorkAsync(stop.Token);
        }

        // Fail fast only once the running operations have stopped (R4).
        await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }
}
