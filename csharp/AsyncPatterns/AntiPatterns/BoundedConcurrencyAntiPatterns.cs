using AsyncPatterns.BoundedConcurrency;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes bounded-concurrency exists to prevent (the <c>antipatterns:</c> of
/// <c>spec/patterns/bounded-concurrency.yaml</c>), each with the signature of
/// <see cref="BoundedConcurrencyStrategy.MapAsync{TItem, T}"/>. The suite must reject every one.
/// </summary>
public static class BoundedConcurrencyAntiPatterns
{
    /// <summary><c>unbounded</c>: an unbounded <see cref="Task.WhenAll{TResult}(IEnumerable{Task{TResult}})"/> starts every item at once: the limit is ignored.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options (ignored: the mistake).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> UnboundedAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken) =>
        await Task.WhenAll(items.Select(item => operation(item, cancellationToken))).ConfigureAwait(false);

    /// <summary><c>sequential</c>: runs one item at a time: the limit is never used.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options (ignored: the mistake).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> SequentialAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        foreach (var item in items)
        {
            results.Add(await operation(item, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary><c>batches</c>: runs the items in batches of <see cref="BoundedConcurrencyOptions.Limit"/> (<see cref="Enumerable.Chunk{TSource}"/>), each batch waiting for its slowest item.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> BatchesAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        foreach (var batch in items.Chunk(options.Limit))
        {
            results.AddRange(await Task.WhenAll(batch.Select(item => operation(item, cancellationToken))).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary><c>completion-order</c>: returns the results in the order the operations finished.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in completion order.</returns>
    public static async Task<IReadOnlyList<T>> CompletionOrderAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(options.Limit, options.Limit);
        var results = new List<T>();

        async Task RunOneAsync(TItem item, CancellationToken token)
        {
            await slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                var value = await operation(item, token).ConfigureAwait(false);
                lock (results)
                {
                    results.Add(value);
                }
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(items.Select(item => RunOneAsync(item, cancellationToken)).ToArray()).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// <c>keeps-going-after-failure</c>: reports the first failure as soon as it happens (a <see cref="Task.WhenAny(IEnumerable{Task})"/>
    /// loop) but leaves the running items running and the rest starting. (Application-style code: its continuations
    /// return to the caller's context, so what it starts and when it reports happen in one order.)
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> KeepsGoingAfterFailureAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken)
    {
        var slots = new SemaphoreSlim(options.Limit, options.Limit);

        async Task<T> RunOneAsync(TItem item, CancellationToken token)
        {
            await slots.WaitAsync(CancellationToken.None); // nothing stops the rest from starting
            try
            {
                return await operation(item, token);
            }
            finally
            {
                slots.Release();
            }
        }

        var tasks = items.Select(item => RunOneAsync(item, cancellationToken)).ToArray();
        var pending = new List<Task<T>>(tasks);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            await done;
        }

        return tasks.Select(task => task.Result).ToArray();
    }

    /// <summary>
    /// <c>wrapped-failure</c>: fails fast but throws the <see cref="AggregateException"/> of the failed
    /// <see cref="Task.WhenAll(IEnumerable{Task})"/> instead of the failure itself.
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The concurrency options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> WrappedFailureAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, BoundedConcurrencyOptions options, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(options.Limit, options.Limit);

        async Task<T> RunOneAsync(TItem item, CancellationToken token)
        {
            await slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                token.ThrowIfCancellationRequested(); // a slot freed by the failure starts nothing
                return await operation(item, token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                stop.Cancel();
                throw;
            }
            finally
            {
                slots.Release();
            }
        }

        var all = Task.WhenAll(items.Select(item => RunOneAsync(item, stop.Token)).ToArray());
        await ((Task)all).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (all.Exception is { } failures)
        {
            throw failures;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return all.Result;
    }
}
