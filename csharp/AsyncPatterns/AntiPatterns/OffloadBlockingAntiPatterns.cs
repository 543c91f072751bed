using AsyncPatterns.OffloadBlocking;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes offload-blocking exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/offload-blocking.yaml</c>),
/// each with the signature of <see cref="OffloadBlockingStrategy.RunAsync{TItem, T}"/>. The suite must reject every one.
/// </summary>
public static class OffloadBlockingAntiPatterns
{
    /// <summary><c>inline</c>: calls the blocking work on the caller's thread, as if it were async: the loop stalls for every block.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The blocking work.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The options (ignored).</param>
    /// <param name="cancellationToken">The caller's cancellation (ignored).</param>
    /// <returns>The values, in input order.</returns>
    public static Task<IReadOnlyList<T>> InlineAsync<TItem, T>(
        Func<TItem, T> work, IEnumerable<TItem> items, OffloadBlockingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Task.FromResult<IReadOnlyList<T>>([.. items.Select(work)]);
    }

    /// <summary><c>unbounded</c>: a <see cref="Task.Run{TResult}(Func{TResult}, CancellationToken)"/> per item, all at once: MaxWorkers is ignored.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The blocking work.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The options (ignored: the mistake).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> UnboundedAsync<TItem, T>(
        Func<TItem, T> work, IEnumerable<TItem> items, OffloadBlockingOptions options, CancellationToken cancellationToken) =>
        await Task.WhenAll(items.Select(item => Task.Run(() => work(item), cancellationToken))).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary><c>blocking-wait</c>: offloads the work but waits for each result with <see cref="Task{TResult}.Result"/>: the caller's thread blocks.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <param name="work">The blocking work.</param>
    /// <param name="items">The items.</param>
    /// <param name="options">The options (ignored).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static Task<IReadOnlyList<T>> BlockingWaitAsync<TItem, T>(
        Func<TItem, T> work, IEnumerable<TItem> items, OffloadBlockingOptions options, CancellationToken cancellationToken)
    {
        var tasks = items.Select(item => Task.Run(() => work(item), cancellationToken)).ToList();
        return Task.FromResult<IReadOnlyList<T>>([.. tasks.Select(task => task.Result)]);
    }
}
