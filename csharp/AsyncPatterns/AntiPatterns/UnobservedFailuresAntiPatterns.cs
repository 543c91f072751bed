using AsyncPatterns.UnobservedFailures;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes unobserved-failures exists to prevent (the <c>antipatterns:</c> of
/// <c>spec/patterns/unobserved-failures.yaml</c>), each with the signature of
/// <see cref="UnobservedFailuresStrategy.RunInBackgroundAsync{TItem}"/>. The suite must reject every one.
/// </summary>
public static class UnobservedFailuresAntiPatterns
{
    /// <summary><c>discarded-task</c>: <c>_ = work(ct)</c>: a failure surfaces only as an unobserved task exception.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler (never called).</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes at shutdown.</returns>
    public static async Task DiscardedTaskAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken)
    {
        using var stopping = new CancellationTokenSource();
        foreach (var item in items)
        {
            _ = operation(item, stopping.Token);
        }

        await UntilCancelledAsync(shutdown, cancellationToken).ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary><c>async-void</c>: starts each piece of work through an <c>async void</c> method: a failure is rethrown on the synchronization context.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler (never called).</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes at shutdown.</returns>
    public static async Task AsyncVoidAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken)
    {
        using var stopping = new CancellationTokenSource();
        foreach (var item in items)
        {
            FireAndForget(operation, item, stopping.Token);
        }

        await UntilCancelledAsync(shutdown, cancellationToken).ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary><c>awaits-in-starter</c>: awaits the work where it starts it: reports the failures only once all of it has ended, and returns then, without waiting for the shutdown.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler.</param>
    /// <param name="shutdown">The owner's shutdown (not waited for).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the work has ended.</returns>
    public static async Task AwaitsInStarterAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken)
    {
        var running = items.Select(item => operation(item, cancellationToken)).ToList();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var task in running.Where(task => task.IsFaulted))
        {
            onError(task.Exception!.InnerException!);
        }
    }

    /// <summary><c>untracked</c>: reports every failure, but keeps no track of the work: the shutdown cannot cancel it.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler.</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes at shutdown.</returns>
    public static async Task UntrackedAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            _ = ObserveAsync(operation, item, onError, CancellationToken.None);
        }

        await UntilCancelledAsync(shutdown, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary><c>reports-twice</c>: reports each failure where it is caught, and again in a continuation.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler.</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the work has stopped.</returns>
    public static Task ReportsTwiceAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken) =>
        TrackedAsync(items, shutdown, cancellationToken, async (item, token) =>
        {
            try
            {
                await operation(item, token).ConfigureAwait(false);
            }
            catch (Exception error) when (!token.IsCancellationRequested)
            {
                Safely(onError, error);
                Safely(onError, error);
            }
        });

    /// <summary><c>swallows</c>: catches every failure and drops it.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler (never called).</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the work has stopped.</returns>
    public static Task SwallowsAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken) =>
        TrackedAsync(items, shutdown, cancellationToken, (item, token) =>
            operation(item, token).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

    /// <summary><c>reports-wrapped</c>: reports the task's <see cref="AggregateException"/> from <c>ContinueWith</c>, not the very exception.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler.</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the work has stopped.</returns>
    public static Task ReportsWrappedAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken) =>
        TrackedAsync(items, shutdown, cancellationToken, (item, token) =>
            operation(item, token).ContinueWith(
                task =>
                {
                    if (task.IsFaulted && !token.IsCancellationRequested)
                    {
                        Safely(onError, task.Exception);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default));

    /// <summary><c>unguarded-handler</c>: calls the handler in a continuation nobody observes: a handler that throws faults it, unobserved.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="operation">The background work.</param>
    /// <param name="items">The items.</param>
    /// <param name="onError">The error handler.</param>
    /// <param name="shutdown">The owner's shutdown.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes once the work has stopped.</returns>
    public static Task UnguardedHandlerAsync<TItem>(
        Func<TItem, CancellationToken, Task> operation, IEnumerable<TItem> items, Action<Exception> onError, CancellationToken shutdown, CancellationToken cancellationToken) =>
        TrackedAsync(items, shutdown, cancellationToken, (item, token) =>
        {
            var work = operation(item, token);
            _ = work.ContinueWith(
                task =>
                {
                    if (task.IsFaulted)
                    {
                        onError(task.Exception.InnerException!);
                    }
                    else if (task.IsCanceled && !token.IsCancellationRequested)
                    {
                        onError(new OperationCanceledException()); // the original is out of reach here
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return work.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });

    private static async Task TrackedAsync<TItem>(
        IEnumerable<TItem> items, CancellationToken shutdown, CancellationToken cancellationToken, Func<TItem, CancellationToken, Task> start)
    {
        using var stopping = new CancellationTokenSource();
        var running = items.Select(item => start(item, stopping.Token)).ToList();
        await UntilCancelledAsync(shutdown, cancellationToken).ConfigureAwait(false);
        stopping.Cancel();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async Task ObserveAsync<TItem>(Func<TItem, CancellationToken, Task> operation, TItem item, Action<Exception> onError, CancellationToken token)
    {
        try
        {
            await operation(item, token).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Safely(onError, error);
        }
    }

// The mistake itself: an async void method.
    private static async void FireAndForget<TItem>(Func<TItem, CancellationToken, Task> operation, TItem item, CancellationToken token) =>
        await operation(item, token).ConfigureAwait(false);

    private static void Safely(Action<Exception> onError, Exception error)
    {
        try
        {
            onError(error);
        }
        catch (Exception)
        {
            // Not the mistake shown here.
        }
    }

    private static async Task UntilCancelledAsync(CancellationToken first, CancellationToken second)
    {
        var cancelled = new TaskCompletionSource();
        using var onFirst = first.Register(() => cancelled.TrySetResult());
        using var onSecond = second.Register(() => cancelled.TrySetResult());
        await cancelled.Task.ConfigureAwait(false);
    }
}
