using AsyncPatterns.AsyncStream;
using AsyncPatterns.AsyncLock;
using AsyncPatterns.Backpressure;
using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.CancellationCleanup;
using AsyncPatterns.CircuitBreaker;
using AsyncPatterns.ConnectionPool;
using AsyncPatterns.GracefulShutdown;
using AsyncPatterns.OffloadBlocking;
using AsyncPatterns.ParallelPartialFailures;
using AsyncPatterns.Racing;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.TaskGroup;
using AsyncPatterns.Timeout;
using AsyncPatterns.UnobservedFailures;

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
            ["racing"] = Untyped(Racing<string, object?>()),
            ["circuit-breaker"] = Untyped(CircuitBreaker()),
            ["async-stream"] = Untyped(AsyncStream<object?>()),
            ["unobserved-failures"] = Untyped(UnobservedFailures<string>()),
            ["async-lock"] = Untyped(AsyncLock()),
            ["backpressure"] = Untyped(Backpressure<string, object?>()),
            ["graceful-shutdown"] = Untyped(GracefulShutdown()),
            ["connection-pool"] = Untyped(ConnectionPool<IPooledConnection>()),
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

    /// <summary>The racing anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, RacingImplementation<TItem, T>> Racing<TItem, T>() =>
        new Dictionary<string, RacingImplementation<TItem, T>>
        {
            ["first-settled"] = RacingAntiPatterns.FirstSettledAsync,
            ["losers-left-running"] = RacingAntiPatterns.LosersLeftRunningAsync,
            ["no-wait-for-losers"] = RacingAntiPatterns.NoWaitForLosersAsync,
            ["sequential"] = RacingAntiPatterns.SequentialAsync,
            ["waits-for-all"] = RacingAntiPatterns.WaitsForAllAsync,
            ["hedges-on-timer-only"] = RacingAntiPatterns.HedgesOnTimerOnlyAsync,
        };

    /// <summary>The circuit-breaker anti-patterns, each built like the reference.</summary>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, CircuitBreakerFactory> CircuitBreaker() =>
        new Dictionary<string, CircuitBreakerFactory>
        {
            ["never-opens"] = CircuitBreakerAntiPatterns.NeverOpens,
            ["never-closes"] = CircuitBreakerAntiPatterns.NeverCloses,
            ["half-open-lets-all-through"] = CircuitBreakerAntiPatterns.HalfOpenLetsAllThrough,
            ["counts-cancellations"] = CircuitBreakerAntiPatterns.CountsCancellations,
            ["never-resets-count"] = CircuitBreakerAntiPatterns.NeverResetsCount,
            ["cancelled-trial-sticks"] = CircuitBreakerAntiPatterns.CancelledTrialSticks,
            ["wraps-failure"] = CircuitBreakerAntiPatterns.WrapsFailure,
            ["accepts-invalid-options"] = CircuitBreakerAntiPatterns.AcceptsInvalidOptions,
        };

    /// <summary>The async-stream anti-patterns.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, AsyncStreamImplementation<T>> AsyncStream<T>() =>
        new Dictionary<string, AsyncStreamImplementation<T>>
        {
            ["manual-next-no-return"] = AsyncStreamAntiPatterns.ManualNextNoReturnAsync,
            ["buffers-everything"] = AsyncStreamAntiPatterns.BuffersEverythingAsync,
            ["prefetches"] = AsyncStreamAntiPatterns.PrefetchesAsync,
            ["source-not-cancelled"] = AsyncStreamAntiPatterns.SourceNotCancelledAsync,
        };

    /// <summary>The unobserved-failures anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, UnobservedFailuresImplementation<TItem>> UnobservedFailures<TItem>() =>
        new Dictionary<string, UnobservedFailuresImplementation<TItem>>
        {
            ["discarded-task"] = UnobservedFailuresAntiPatterns.DiscardedTaskAsync,
            ["awaits-in-starter"] = UnobservedFailuresAntiPatterns.AwaitsInStarterAsync,
            ["async-void"] = UnobservedFailuresAntiPatterns.AsyncVoidAsync,
            ["untracked"] = UnobservedFailuresAntiPatterns.UntrackedAsync,
            ["reports-twice"] = UnobservedFailuresAntiPatterns.ReportsTwiceAsync,
            ["swallows"] = UnobservedFailuresAntiPatterns.SwallowsAsync,
            ["reports-wrapped"] = UnobservedFailuresAntiPatterns.ReportsWrappedAsync,
            ["unguarded-handler"] = UnobservedFailuresAntiPatterns.UnguardedHandlerAsync,
        };

    /// <summary>The backpressure anti-patterns.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, BackpressureImplementation<TItem, T>> Backpressure<TItem, T>() =>
        new Dictionary<string, BackpressureImplementation<TItem, T>>
        {
            ["unbounded-queue"] = BackpressureAntiPatterns.UnboundedQueueAsync,
            ["drops-when-full"] = BackpressureAntiPatterns.DropsWhenFullAsync,
            ["busy-polling"] = BackpressureAntiPatterns.BusyPollingAsync,
            ["consumers-never-finish"] = BackpressureAntiPatterns.ConsumersNeverFinishAsync,
        };

    /// <summary>The graceful-shutdown anti-patterns.</summary>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, GracefulShutdownImplementation> GracefulShutdown() =>
        new Dictionary<string, GracefulShutdownImplementation>
        {
            ["exits-at-once"] = GracefulShutdownAntiPatterns.ExitsAtOnce,
            ["no-deadline"] = GracefulShutdownAntiPatterns.NoDeadline,
            ["accepts-after-shutdown"] = GracefulShutdownAntiPatterns.AcceptsAfterShutdown,
            ["skips-cleanup"] = GracefulShutdownAntiPatterns.SkipsCleanup,
            ["no-wait-after-cancel"] = GracefulShutdownAntiPatterns.NoWaitAfterCancel,
        };

    private static IReadOnlyDictionary<string, Delegate> Untyped<TDelegate>(IReadOnlyDictionary<string, TDelegate> typed)
        where TDelegate : Delegate =>
        typed.ToDictionary(entry => entry.Key, entry => (Delegate)entry.Value);

    /// <summary>The async-lock anti-patterns, each built like the reference.</summary>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, GuardedCounterFactory> AsyncLock() =>
        new Dictionary<string, GuardedCounterFactory>
        {
            ["no-lock"] = AsyncLockAntiPatterns.NoLock,
            ["not-released-on-failure"] = AsyncLockAntiPatterns.NotReleasedOnFailure,
            ["cancelled-waiter-enters"] = AsyncLockAntiPatterns.CancelledWaiterEnters,
            ["holds-across-unrelated-wait"] = AsyncLockAntiPatterns.HoldsAcrossUnrelatedWait,
            ["thread-lock"] = AsyncLockAntiPatterns.ThreadLock,
        };

    /// <summary>The connection-pool anti-patterns, each built like the reference.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <returns>The anti-patterns by id.</returns>
    public static IReadOnlyDictionary<string, ConnectionPoolFactory<TConnection>> ConnectionPool<TConnection>()
        where TConnection : class, IPooledConnection =>
        new Dictionary<string, ConnectionPoolFactory<TConnection>>
        {
            ["leak-on-failure"] = ConnectionPoolAntiPatterns.LeakOnFailure,
            ["no-upper-bound"] = ConnectionPoolAntiPatterns.NoUpperBound,
            ["lifo-waiters"] = ConnectionPoolAntiPatterns.LifoWaiters,
            ["no-acquire-timeout"] = ConnectionPoolAntiPatterns.NoAcquireTimeout,
            ["no-close-deadline"] = ConnectionPoolAntiPatterns.NoCloseDeadline,
            ["returns-broken"] = ConnectionPoolAntiPatterns.ReturnsBroken,
        };

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
