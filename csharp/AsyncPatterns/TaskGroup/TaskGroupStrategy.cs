namespace AsyncPatterns.TaskGroup;

/// <summary>
/// Structured concurrency, a task group (spec <c>spec/patterns/task-group.yaml</c>): children run concurrently
/// inside a group; the first failure cancels the siblings; the group ends after every child; failures come out grouped.
/// </summary>
public static class TaskGroupStrategy
{
    /// <summary>Runs <paramref name="operation"/> for every item as the children of one group.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: every child starts at once, concurrently.</item>
    /// <item>R2: when every child succeeds, the results come back in input order once the last child has finished.</item>
    /// <item>R3: the first failure cancels every sibling still running (through the token each child receives).</item>
    /// <item>R4: the group finishes only after every child has finished, including siblings that take time to stop once
    /// cancelled.</item>
    /// <item>R5: failures come out grouped in an <see cref="AggregateException"/> holding each failure unchanged, in the
    /// order they happened; cancelled siblings are not reported as failures.</item>
    /// <item>R6: a caller's cancellation cancels every child and propagates as <see cref="OperationCanceledException"/>,
    /// not as a group of errors.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation, called once per item with the group's token.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The children's values, in input order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> or <paramref name="items"/> is null.</exception>
    public static Task<IReadOnlyList<T>> RunAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        IEnumerable<TItem> items,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(items);
        return RunCoreAsync(operation, items.ToArray(), cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> RunCoreAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        TItem[] items,
        CancellationToken cancellationToken)
    {
        var results = new T[items.Length];
        var failures = new List<Exception>();
        using var group = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task RunChildAsync(int index, CancellationToken token)
        {
            try
            {
                results[index] = await operation(items[index], token).ConfigureAwait(false);
            }
            catch (Exception error) when (!(error is OperationCanceledException && group.IsCancellationRequested))
            {
                // A failure, not a sibling's cancellation (R5): record it, then cancel the siblings (R3).
                lock (failures)
                {
                    failures.Add(error);
                }

                group.Cancel();
            }
        }

        var children = new Task[items.Length];
        for (var index = 0; index < items.Length; index++)
        {
            children[index] = RunChildAsync(index, group.Token);
        }

        // The group ends only after every child has finished (R4).
        await Task.WhenAll((IEnumerable<Task>)children).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }
}
