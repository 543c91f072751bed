namespace AsyncPatterns.ParallelPartialFailures;

/// <summary>
/// Parallel execution with partial failures (spec <c>spec/patterns/parallel-partial-failures.yaml</c>): run every
/// operation at once; report successes and failures apart; one failure cancels nothing.
/// </summary>
public static class ParallelPartialFailuresStrategy
{
    /// <summary>Runs <paramref name="operation"/> for every item at once and reports successes and failures apart.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: every operation starts at once, concurrently.</item>
    /// <item>R2: a failure cancels nothing: every other operation runs to completion.</item>
    /// <item>R3: the result reports each item exactly once: successes with their values, failures with their exceptions
    /// unchanged, apart.</item>
    /// <item>R4: the whole takes as long as the longest operation, not the sum.</item>
    /// <item>R5: when the caller cancels, every operation still running is cancelled (through the token it receives) and
    /// <see cref="OperationCanceledException"/> propagates: no partial result.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation, called once per item with <paramref name="cancellationToken"/>.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>Every item once, with its value or its exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentException">Two of <paramref name="items"/> are equal (thrown before any operation starts).</exception>
    public static Task<PartialResults<TItem, T>> RunAllAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        IEnumerable<TItem> items,
        CancellationToken cancellationToken = default)
        where TItem : notnull
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToArray();
        if (list.Distinct().Count() != list.Length)
        {
            // Each item is reported once, by itself as the key (R3): two equal items cannot be.
            throw new ArgumentException("`items` must be distinct.", nameof(items));
        }

        return RunAllCoreAsync(operation, list, cancellationToken);
    }

    private static async Task<PartialResults<TItem, T>> RunAllCoreAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        TItem[] items,
        CancellationToken cancellationToken)
        where TItem : notnull
    {
        var tasks = new Task<T>[items.Length];
        for (var index = 0; index < items.Length; index++)
        {
            tasks[index] = Start(operation, items[index], cancellationToken);
        }

        // Wait for every operation to settle, whatever its outcome: a failure abandons nothing (R2).
        await Task.WhenAll((IEnumerable<Task>)tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();

        var succeeded = new Dictionary<TItem, T>();
        var failed = new Dictionary<TItem, Exception>();
        for (var index = 0; index < items.Length; index++)
        {
            var task = tasks[index];
            if (task.IsCompletedSuccessfully)
            {
                succeeded[items[index]] = task.Result;
            }
            else
            {
                failed[items[index]] = ExceptionOf(task);
            }
        }

        return new PartialResults<TItem, T>(succeeded, failed);
    }

    /// <summary>The very exception a failed or canceled task holds: awaiting rethrows the operation's own
    /// <see cref="OperationCanceledException"/> too, where <see cref="Task.Exception"/> is null for a canceled task.</summary>
    private static Exception ExceptionOf(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception error)
        {
            return error;
        }

        throw new InvalidOperationException("The task succeeded: it has no exception.");
    }

    private static Task<T> Start<TItem, T>(Func<TItem, CancellationToken, Task<T>> operation, TItem item, CancellationToken cancellationToken)
    {
        try
        {
            return operation(item, cancellationToken);
        }
        catch (Exception error)
        {
            // An operation that throws before returning its task fails like one that fails later.
            return Task.FromException<T>(error);
        }
    }
}
