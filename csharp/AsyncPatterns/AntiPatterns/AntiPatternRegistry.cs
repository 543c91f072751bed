using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.CancellationCleanup;
using AsyncPatterns.OffloadBlocking;
using AsyncPatterns.ParallelPartialFailures;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.TaskGroup;
using AsyncPatterns.Timeout;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// Every anti-pattern, by spec pattern id and by the id the pattern's <c>antipatterns:</c> list gives it. Each entry has
/// the shape of its pattern's reference (the <c>*Implementation</c> delegate of the pattern's folder), so a runner can
/// call it in the reference's place.
/// </summary>
public static class AntiPatternRegistry
{
    /// <summary>Gets the anti-patterns of each pattern, by pattern id then anti-pattern id, for the protocol's shapes:
    /// items are strings, values are <see cref="object"/>s, resources are <see cref="IAsyncDisposable"/>s.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, Delegate>> ByPattern { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, Delegate>>
        {
            ["retry-backoff"] = Untyped(RetryBackoff<object?>()),
            ["timeout"] = Untyped(Timeout<object?>()),
            ["cancellation-cleanup"] = Untyped(CancellationCleanup<IAsyncDisposable, object?>()),
            ["parallel-partial-failures"] = Untyped(ParallelPartialFailures<string, object?>()),
            ["bounded-concurrency"] = Untyped(BoundedConcurrency<string, object?>()),
            ["task-group"] = Untyped(TaskGroup<string, object?>()),
            ["offload-blocking"] = Untyped(OffloadBlocking<string, object?>()),
        };

    /// <summary>The retry-backoff anti-patterns.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, RetryBackoffImplementation<T>> RetryBackoff<T>() =>
        new Dictionary<string, RetryBackoffImplementation<T>>
        {
            ["no-cap"] = RetryBackoffAntiPatterns.NoCapAsync,
            ["no-backoff"] = RetryBackoffAntiPatterns.NoBackoffAsync,
            ["sleeps-before-first-attempt"] = RetryBackoffAntiPatterns.SleepsBeforeFirstAttemptAsync,
            ["uncapped-delay"] = RetryBackoffAntiPatterns.UncappedDelayAsync,
            ["jitter-before-cap"] = RetryBackoffAntiPatterns.JitterBeforeCapAsync,
            ["retries-everything"] = RetryBackoffAntiPatterns.RetriesEverythingAsync,
            ["ignores-timeouts"] = RetryBackoffAntiPatterns.IgnoresTimeoutsAsync,
            ["wraps-error"] = RetryBackoffAntiPatterns.WrapsErrorAsync,
            ["blocking-sleep"] = RetryBackoffAntiPatterns.BlockingSleepAsync,
            ["ignores-cancel-in-backoff"] = RetryBackoffAntiPatterns.IgnoresCancelInBackoffAsync,
            ["draws-after-last-attempt"] = RetryBackoffAntiPatterns.DrawsAfterLastAttemptAsync,
        };

    /// <summary>The timeout anti-patterns.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, TimeoutImplementation<T>> Timeout<T>() =>
        new Dictionary<string, TimeoutImplementation<T>>
        {
            ["leaves-running"] = TimeoutAntiPatterns.LeavesRunningAsync,
            ["no-wait-after-cancel"] = TimeoutAntiPatterns.NoWaitAfterCancelAsync,
            ["raises-on-timeout"] = TimeoutAntiPatterns.RaisesOnTimeoutAsync,
            ["swallows-own-timeout"] = TimeoutAntiPatterns.SwallowsOwnTimeoutAsync,
            ["none-on-any-error"] = TimeoutAntiPatterns.NoneOnAnyErrorAsync,
            ["cancel-as-timeout"] = TimeoutAntiPatterns.CancelAsTimeoutAsync,
            ["polling"] = TimeoutAntiPatterns.PollingAsync,
        };

    /// <summary>The cancellation-cleanup anti-patterns.</summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, CancellationCleanupImplementation<TResource, T>> CancellationCleanup<TResource, T>()
        where TResource : IAsyncDisposable =>
        new Dictionary<string, CancellationCleanupImplementation<TResource, T>>
        {
            ["no-finally"] = CancellationCleanupAntiPatterns.NoFinallyAsync,
            ["cleanup-on-exception-only"] = CancellationCleanupAntiPatterns.CleanupOnExceptionOnlyAsync,
            ["swallows-cancellation"] = CancellationCleanupAntiPatterns.SwallowsCancellationAsync,
            ["cleanup-not-awaited"] = CancellationCleanupAntiPatterns.CleanupNotAwaitedAsync,
            ["missing-await"] = CancellationCleanupAntiPatterns.MissingAwaitAsync,
        };

    /// <summary>The parallel-partial-failures anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, ParallelPartialFailuresImplementation<TItem, T>> ParallelPartialFailures<TItem, T>()
        where TItem : notnull =>
        new Dictionary<string, ParallelPartialFailuresImplementation<TItem, T>>
        {
            ["sequential"] = ParallelPartialFailuresAntiPatterns.SequentialAsync,
            ["gather-fail-fast"] = ParallelPartialFailuresAntiPatterns.GatherFailFastAsync,
            ["cancels-siblings"] = ParallelPartialFailuresAntiPatterns.CancelsSiblingsAsync,
            ["drops-failures"] = ParallelPartialFailuresAntiPatterns.DropsFailuresAsync,
            ["swallows-cancel"] = ParallelPartialFailuresAntiPatterns.SwallowsCancelAsync,
        };

    /// <summary>The bounded-concurrency anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, BoundedConcurrencyImplementation<TItem, T>> BoundedConcurrency<TItem, T>() =>
        new Dictionary<string, BoundedConcurrencyImplementation<TItem, T>>
        {
            ["unbounded"] = BoundedConcurrencyAntiPatterns.UnboundedAsync,
            ["sequential"] = BoundedConcurrencyAntiPatterns.SequentialAsync,
            ["batches"] = BoundedConcurrencyAntiPatterns.BatchesAsync,
            ["completion-order"] = BoundedConcurrencyAntiPatterns.CompletionOrderAsync,
            ["keeps-going-after-failure"] = BoundedConcurrencyAntiPatterns.KeepsGoingAfterFailureAsync,
            ["wrapped-failure"] = BoundedConcurrencyAntiPatterns.WrappedFailureAsync,
        };

    /// <summary>The task-group anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, TaskGroupImplementation<TItem, T>> TaskGroup<TItem, T>() =>
        new Dictionary<string, TaskGroupImplementation<TItem, T>>
        {
            ["sequential"] = TaskGroupAntiPatterns.SequentialAsync,
            ["gather-fail-fast"] = TaskGroupAntiPatterns.GatherFailFastAsync,
            ["no-sibling-cancel"] = TaskGroupAntiPatterns.NoSiblingCancelAsync,
            ["returns-before-children-finish"] = TaskGroupAntiPatterns.ReturnsBeforeChildrenFinishAsync,
            ["reports-cancellations"] = TaskGroupAntiPatterns.ReportsCancellationsAsync,
        };

    private static IReadOnlyDictionary<string, Delegate> Untyped<TDelegate>(IReadOnlyDictionary<string, TDelegate> typed)
        where TDelegate : Delegate =>
        typed.ToDictionary(entry => entry.Key, entry => (Delegate)entry.Value);

    /// <summary>The offload-blocking anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The work's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, OffloadBlockingImplementation<TItem, T>> OffloadBlocking<TItem, T>() =>
        new Dictionary<string, OffloadBlockingImplementation<TItem, T>>
        {
            ["inline"] = OffloadBlockingAntiPatterns.InlineAsync,
            ["unbounded"] = OffloadBlockingAntiPatterns.UnboundedAsync,
            ["blocking-wait"] = OffloadBlockingAntiPatterns.BlockingWaitAsync,
        };
}
