using AsyncPatterns.ParallelPartialFailures;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes parallel-partial-failures exists to prevent (the <c>antipatterns:</c> of
/// <c>spec/patterns/parallel-partial-failures.yaml</c>), each with the signature of
/// <see cref="ParallelPartialFailuresStrategy.RunAllAsync{TItem, T}"/>. The suite must reject every one.
/// </summary>
public static class ParallelPartialFailuresAntiPatterns
{
    /// <summary><c>sequential</c>: awaits each operation in turn, so the total is the sum, not the longest.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The partial results.</returns>
    public static async Task<PartialResults<TItem, T>> SequentialAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
        where TItem : notnull
    {
        var succeeded = new Dictionary<TItem, T>();
        var failed = new Dictionary<TItem, Exception>();
        foreach (var item in items)
        {
            try
            {
                succeeded[item] = await operation(item, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                failed[item] = error;
            }
        }

        return new PartialResults<TItem, T>(succeeded, failed);
    }

    /// <summary>
    /// <c>gather-fail-fast</c>: <c>await Task.WhenAll(tasks)</c> without settling: the first failure escapes alone and the
    /// other results are lost. (In C#, <see cref="Task.WhenAll(IEnumerable{Task})"/> waits for every task before it throws.)
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The partial results.</returns>
    public static async Task<PartialResults<TItem, T>> GatherFailFastAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
        where TItem : notnull
    {
        var keys = items.ToArray();
        var values = await Task.WhenAll(keys.Select(item => operation(item, cancellationToken))).ConfigureAwait(false);

        // Equal items: the last one's value, as Python's dict(zip(...)) -- not ToDictionary's ArgumentException, which
        // the checker rightly takes for a crash of this code, not a refusal (a refusal is up front).
        var succeeded = new Dictionary<TItem, T>();
        foreach (var (item, value) in keys.Zip(values))
        {
            succeeded[item] = value;
        }

        return new PartialResults<TItem, T>(succeeded, new Dictionary<TItem, Exception>());
    }

    /// <summary><c>cancels-siblings</c>: runs the operations as a task group: the first failure cancels the others.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The partial results.</returns>
    public static async Task<PartialResults<TItem, T>> CancelsSiblingsAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
        where TItem : notnull
    {
        var keys = items.ToArray();
        using var group = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task<T> RunChildAsync(TItem item, CancellationToken token)
        {
            try
            {
                return await operation(item, token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                group.Cancel();
                throw;
            }
        }

        var tasks = keys.Select(item => RunChildAsync(item, group.Token)).ToArray();
        await Task.WhenAll((IEnumerable<Task>)tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return Collect(keys, tasks);
    }

    /// <summary><c>drops-failures</c>: keeps the successes and silently drops the failures.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The partial results.</returns>
    public static async Task<PartialResults<TItem, T>> DropsFailuresAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
        where TItem : notnull
    {
        var keys = items.ToArray();
        var tasks = keys.Select(item => operation(item, cancellationToken)).ToArray();
        await Task.WhenAll((IEnumerable<Task>)tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        var succeeded = new Dictionary<TItem, T>();
        for (var index = 0; index < keys.Length; index++)
        {
            if (tasks[index].IsCompletedSuccessfully)
            {
                succeeded[keys[index]] = tasks[index].Result;
            }
        }

        return new PartialResults<TItem, T>(succeeded, new Dictionary<TItem, Exception>());
    }

    /// <summary>
    /// <c>swallows-cancel</c>: when the caller cancels, returns the partial results (the cancelled operations listed as
    /// failed) instead of propagating the cancellation.
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The partial results.</returns>
    public static async Task<PartialResults<TItem, T>> SwallowsCancelAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
        where TItem : notnull
    {
        var keys = items.ToArray();
        var tasks = keys.Select(item => operation(item, cancellationToken)).ToArray();
        await Task.WhenAll((IEnumerable<Task>)tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return Collect(keys, tasks);
    }

    private static PartialResults<TItem, T> Collect<TItem, T>(TItem[] keys, Task<T>[] tasks)
        where TItem : notnull
    {
        var succeeded = new Dictionary<TItem, T>();
        var failed = new Dictionary<TItem, Exception>();
        for (var index = 0; index < keys.Length; index++)
        {
            if (tasks[index].IsCompletedSuccessfully)
            {
                succeeded[keys[index]] = tasks[index].Result;
            }
            else
            {
                failed[keys[index]] = tasks[index].Exception?.InnerException ?? new TaskCanceledException(tasks[index]);
            }
        }

        return new PartialResults<TItem, T>(succeeded, failed);
    }
}
