using AsyncPatterns.AsyncStream;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes async-stream exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/async-stream.yaml</c>), each
/// with the signature of <see cref="AsyncStreamStrategy.ConsumeAsync{T}"/>. The suite must reject every one.
/// (<c>break-without-closing</c> has no C# form: <c>await foreach</c> always disposes the enumerator.)
/// </summary>
public static class AsyncStreamAntiPatterns
{
    /// <summary>
    /// <c>manual-next-no-return</c>: pulls with <see cref="IAsyncEnumerator{T}.MoveNextAsync"/> in a loop of its own and
    /// never disposes the enumerator: on the limit or a consumer failure the source's cleanup never runs. (Nor does it
    /// validate the options.)
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence.</param>
    /// <param name="use">The consumer's work on one item.</param>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The items consumed.</returns>
    public static async Task<IReadOnlyList<T>> ManualNextNoReturnAsync<T>(
        IAsyncEnumerable<T> source, Func<T, CancellationToken, Task> use, AsyncStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(options);
        var consumed = new List<T>();
#pragma warning disable CA2000 // the mistake itself: the enumerator is never disposed
        var items = source.GetAsyncEnumerator(cancellationToken);
#pragma warning restore CA2000
        while (consumed.Count < options.Take && await items.MoveNextAsync().ConfigureAwait(false))
        {
            await use(items.Current, cancellationToken).ConfigureAwait(false);
            consumed.Add(items.Current);
        }

        return consumed;
    }

    /// <summary><c>buffers-everything</c>: reads the whole sequence into a list, then consumes the first <c>Take</c> items.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence.</param>
    /// <param name="use">The consumer's work on one item.</param>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The items consumed.</returns>
    public static async Task<IReadOnlyList<T>> BuffersEverythingAsync<T>(
        IAsyncEnumerable<T> source, Func<T, CancellationToken, Task> use, AsyncStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var all = new List<T>();
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            all.Add(item);
        }

        var consumed = new List<T>();
        foreach (var item in all.Take(options.Take))
        {
            await use(item, cancellationToken).ConfigureAwait(false);
            consumed.Add(item);
        }

        return consumed;
    }

    /// <summary>
    /// <c>prefetches</c>: starts pulling the next item while <paramref name="use"/> works on the current one, so it pulls one
    /// item past the limit, and waits for that pull before it disposes the enumerator.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence.</param>
    /// <param name="use">The consumer's work on one item.</param>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The items consumed.</returns>
    public static async Task<IReadOnlyList<T>> PrefetchesAsync<T>(
        IAsyncEnumerable<T> source, Func<T, CancellationToken, Task> use, AsyncStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var consumed = new List<T>();
        if (options.Take == 0)
        {
            return consumed;
        }

        var items = source.GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            var next = items.MoveNextAsync().AsTask();
            try
            {
                while (await next.ConfigureAwait(false))
                {
                    var item = items.Current;
                    next = items.MoveNextAsync().AsTask(); // the read-ahead: pulled before it is needed
                    await use(item, cancellationToken).ConfigureAwait(false);
                    consumed.Add(item);
                    if (consumed.Count == options.Take)
                    {
                        break;
                    }
                }
            }
            finally
            {
                // An enumerator cannot be disposed while a pull is pending: wait for the read-ahead first.
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return consumed;
    }

    /// <summary>
    /// <c>source-not-cancelled</c>: <c>await foreach</c> without <c>WithCancellation</c>: the caller's token reaches the
    /// consumer's work but not the source, so a pending pull runs on after the caller has cancelled.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence.</param>
    /// <param name="use">The consumer's work on one item.</param>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The items consumed.</returns>
    public static async Task<IReadOnlyList<T>> SourceNotCancelledAsync<T>(
        IAsyncEnumerable<T> source, Func<T, CancellationToken, Task> use, AsyncStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var consumed = new List<T>();
        if (options.Take == 0)
        {
            return consumed;
        }

        await foreach (var item in source.ConfigureAwait(false))
        {
            await use(item, cancellationToken).ConfigureAwait(false);
            consumed.Add(item);
            if (consumed.Count == options.Take)
            {
                break;
            }
        }

        return consumed;
    }
}
