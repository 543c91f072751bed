namespace AsyncPatterns.UnobservedFailures;

/// <summary>
/// Background work started and not awaited by its starter (spec <c>spec/patterns/unobserved-failures.yaml</c>): every
/// failure reaches the error handler once, unchanged; the work is tracked so that the shutdown cancels it and waits for it.
/// </summary>
public static class UnobservedFailuresStrategy
{
    /// <summary>
    /// Starts <paramref name="operation"/> for every item in the background (a <see cref="BackgroundTaskTracker"/>), goes on
    /// until <paramref name="shutdown"/> is cancelled, then shuts the work down.
    /// </summary>
    /// <remarks>R9: the caller's cancellation shuts the work down too, then throws <see cref="OperationCanceledException"/>.</remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work, started once per item with the token the shutdown cancels.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">Gets every failure, once, unchanged.</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the shutdown has finished.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="AggregateException">The error handler threw (R7).</exception>
    public static Task RunInBackgroundAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation,
        IEnumerable<TItem> items,
        Action<Exception> onError,
        CancellationToken shutdown,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(onError);
        return RunCoreAsync(operation, items, onError, shutdown, cancellationToken);
    }

    private static async Task RunCoreAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation,
        IEnumerable<TItem> items,
        Action<Exception> onError,
        CancellationToken shutdown,
        CancellationToken cancellationToken)
    {
        var tracker = new BackgroundTaskTracker(onError);
        try
        {
            foreach (var item in items)
            {
                tracker.Start(token => operation(item, token));
            }

            await UntilCancelledAsync(shutdown, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await tracker.DisposeAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Completes when either token is cancelled (inline, on the thread that cancels it).</summary>
    private static async Task UntilCancelledAsync(CancellationToken first, CancellationToken second)
    {
        var cancelled = new TaskCompletionSource();
        using var onFirst = first.Register(() => cancelled.TrySetResult());
        using var onSecond = second.Register(() => cancelled.TrySetResult());
        await cancelled.Task.ConfigureAwait(false);
    }
}
