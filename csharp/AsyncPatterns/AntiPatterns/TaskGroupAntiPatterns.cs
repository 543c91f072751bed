using AsyncPatterns.TaskGroup;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes task-group exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/task-group.yaml</c>), each
/// with the signature of <see cref="TaskGroupStrategy.RunAsync{TItem, T}"/>. The suite must reject every one.
/// </summary>
public static class TaskGroupAntiPatterns
{
    /// <summary><c>sequential</c>: awaits each child in turn instead of running them together.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> SequentialAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        foreach (var item in items)
        {
            results.Add(await operation(item, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>
    /// <c>gather-fail-fast</c>: <c>await Task.WhenAll(children)</c> without a group: no sibling is cancelled, and the
    /// first failure alone escapes (once every child has finished on its own — never, if one hangs).
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> GatherFailFastAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken) =>
        await Task.WhenAll(items.Select(item => operation(item, cancellationToken))).ConfigureAwait(false);

    /// <summary><c>no-sibling-cancel</c>: lets every child finish on its own, then groups the failures.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> NoSiblingCancelAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
    {
        var children = items.Select(item => operation(item, cancellationToken)).ToArray();
        await Task.WhenAll((IEnumerable<Task>)children).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var failures = children.Where(child => child.IsFaulted).Select(child => child.Exception!.InnerException!).ToList();
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return children.Select(child => child.Result).ToArray();
    }

    /// <summary><c>returns-before-children-finish</c>: cancels the siblings on the first failure but throws without waiting for them to stop.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> ReturnsBeforeChildrenFinishAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
    {
        var group = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var children = items.Select(item => operation(item, group.Token)).ToList();
        var pending = new List<Task<T>>(children);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (!done.IsCompletedSuccessfully)
            {
                group.Cancel();
                throw new AggregateException(children.Where(child => child.IsFaulted).Select(child => child.Exception!.InnerException!));
            }
        }

        return children.Select(child => child.Result).ToArray();
    }

    /// <summary>
    /// <c>reports-cancellations</c>: on the first failure cancels the siblings and waits for them, then reports their
    /// <see cref="OperationCanceledException"/>s as failures of the group too.
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The child operation.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The values, in input order.</returns>
    public static async Task<IReadOnlyList<T>> ReportsCancellationsAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation, IEnumerable<TItem> items, CancellationToken cancellationToken)
    {
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

        var children = items.Select(item => RunChildAsync(item, group.Token)).ToArray();
        var all = Task.WhenAll(children);
        await ((Task)all).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (children.Any(child => child.IsFaulted))
        {
            var failures = new List<Exception>();
            foreach (var child in children.Where(child => !child.IsCompletedSuccessfully))
            {
                try
                {
                    await child.ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    failures.Add(error);
                }
            }

            throw new AggregateException(failures);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return all.Result;
    }
}
