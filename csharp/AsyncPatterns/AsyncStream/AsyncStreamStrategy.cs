namespace AsyncPatterns.AsyncStream;

/// <summary>
/// Consuming an async stream (spec <c>spec/patterns/async-stream.yaml</c>): consume an <see cref="IAsyncEnumerable{T}"/>
/// lazily, up to <see cref="AsyncStreamOptions.Take"/> items; on every way out the source's cleanup runs once, before
/// the outcome; cancellation reaches its pending pull.
/// </summary>
public static class AsyncStreamStrategy
{
    /// <summary>Runs <paramref name="use"/> on each item of <paramref name="source"/>, at most <see cref="AsyncStreamOptions.Take"/> of them.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: one pull at a time, the next only once <paramref name="use"/> has finished with the previous item; never
    /// more than <see cref="AsyncStreamOptions.Take"/> pulls.</item>
    /// <item>R2: the items consumed come back in the source's order; no pull past the limit, not even to see the end.</item>
    /// <item>R3: on every way out the enumerator is disposed exactly once (<c>await foreach</c> disposes it on a
    /// <c>break</c> and on an exception, which runs an async iterator's <c>finally</c>), and the outcome comes only after
    /// that cleanup has completed.</item>
    /// <item>R4, R5, R7: a failure of <paramref name="use"/> or of a pull propagates unchanged after the cleanup, an
    /// operation's own <see cref="OperationCanceledException"/> included: nothing here catches anything.</item>
    /// <item>R6: the caller's token reaches the source's pending pull through <c>WithCancellation</c> (an iterator
    /// receives it as its <c>[EnumeratorCancellation]</c> parameter), and <paramref name="use"/>; a cancellation during
    /// the cleanup propagates once it is done, in place of the list or a failure.</item>
    /// <item>R8: <see cref="AsyncStreamOptions.Take"/> is validated before the source is started; 0 never starts it.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence; enumerated once, lazily.</param>
    /// <param name="use">The consumer's work on one item, given the caller's token.</param>
    /// <param name="options">The options, validated before the source is started.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The items consumed, in the source's order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (thrown before the source starts).</exception>
    public static Task<IReadOnlyList<T>> ConsumeAsync<T>(
        IAsyncEnumerable<T> source,
        Func<T, CancellationToken, Task> use,
        AsyncStreamOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return ConsumeCoreAsync(source, use, options.Take, cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> ConsumeCoreAsync<T>(
        IAsyncEnumerable<T> source,
        Func<T, CancellationToken, Task> use,
        int take,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var consumed = new List<T>();
        if (take == 0)
        {
            return consumed; // not even one pull: await foreach would start the source
        }

        try
        {
            await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await use(item, cancellationToken).ConfigureAwait(false);
                consumed.Add(item);
                if (consumed.Count == take)
                {
                    break; // disposes the enumerator: the source's cleanup, awaited
                }
            }
        }
        finally
        {
            // A cancellation during the source's cleanup (DisposeAsync takes no token) is not lost to the list or to a
            // failure: it propagates now that the cleanup is done (R6).
            cancellationToken.ThrowIfCancellationRequested();
        }

        return consumed;
    }
}
