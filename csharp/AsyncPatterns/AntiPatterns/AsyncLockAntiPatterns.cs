using AsyncPatterns.AsyncLock;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes an async lock exists to prevent: the reference with one decision changed each, built like it
/// (<see cref="GuardedCounterFactory"/>).
/// </summary>
public static class AsyncLockAntiPatterns
{
    /// <summary>no-lock: two callers read the same value across the await and one update is lost.</summary>
    /// <returns>The counter.</returns>
    /// <param name="timeProvider">Not used.</param>
    public static GuardedCounter NoLock(TimeProvider timeProvider) => new NoLockCounter();

    /// <summary>not-released-on-failure: releases after the write, not in <c>finally</c>: a failing operation leaves the lock held.</summary>
    /// <returns>The counter.</returns>
    /// <param name="timeProvider">Not used.</param>
    public static GuardedCounter NotReleasedOnFailure(TimeProvider timeProvider) => new NotReleasedOnFailureCounter();

    /// <summary>cancelled-waiter-enters: waits without the caller's token: a cancelled waiter still takes the lock when its turn comes.</summary>
    /// <returns>The counter.</returns>
    /// <param name="timeProvider">Not used.</param>
    public static GuardedCounter CancelledWaiterEnters(TimeProvider timeProvider) => new CancelledWaiterEntersCounter();

    /// <summary>
    /// holds-across-unrelated-wait: after the write, still holding the lock, awaits a notification unrelated to the counter
    /// (<see cref="UnrelatedWait"/> on the run's clock): every caller behind it waits for it too.
    /// </summary>
    /// <param name="timeProvider">The run's clock, the wait's.</param>
    /// <returns>The counter.</returns>
    public static GuardedCounter HoldsAcrossUnrelatedWait(TimeProvider timeProvider) => new HoldsAcrossUnrelatedWaitCounter(timeProvider);

    /// <summary>
    /// thread-lock: <see cref="Monitor.Enter(object)"/> / <see cref="Monitor.Exit(object)"/> around the section (<c>lock</c> cannot
    /// contain an <c>await</c>: CS1996). Re-entrant for its owner, the loop's one thread that every section runs and resumes on,
    /// it lets the second caller in at once: the sections overlap and updates are lost.
    /// </summary>
    /// <param name="timeProvider">Not used.</param>
    /// <returns>The counter.</returns>
    public static GuardedCounter ThreadLock(TimeProvider timeProvider) => new ThreadLockCounter();

    /// <summary>Gets the unrelated wait of holds-across-unrelated-wait: long enough that the real clock's band (up to half again plus 60 ms late) cannot take it for scheduling noise.</summary>
    public static TimeSpan UnrelatedWait { get; } = TimeSpan.FromMilliseconds(100);

    private sealed class NoLockCounter : GuardedCounter
    {
        public override async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(operation);
            var current = Value;
            await operation(cancellationToken).ConfigureAwait(false);
            Value = current + 1;
            return Value;
        }
    }

    private sealed class NotReleasedOnFailureCounter : GuardedCounter
    {
        public override async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(operation);
            await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var current = Value;
            await operation(cancellationToken).ConfigureAwait(false);
            Value = current + 1;
            Gate.Release();
            return Value;
        }
    }

    private sealed class CancelledWaiterEntersCounter : GuardedCounter
    {
        public override async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(operation);
            await Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                var current = Value;
                await operation(cancellationToken).ConfigureAwait(false);
                Value = current + 1;
                return Value;
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    private sealed class HoldsAcrossUnrelatedWaitCounter(TimeProvider timeProvider) : GuardedCounter
    {
        public override async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(operation);
            await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = Value;
                await operation(cancellationToken).ConfigureAwait(false);
                Value = current + 1;
                await Task.Delay(UnrelatedWait, timeProvider, cancellationToken).ConfigureAwait(false); // belongs after the release
                return Value;
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    private sealed class ThreadLockCounter : GuardedCounter
    {
        private readonly object _sync = new();

        public override async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(operation);
            Monitor.Enter(_sync);
            try
            {
                var current = Value;
                await operation(cancellationToken).ConfigureAwait(false);
                Value = current + 1;
                return Value;
            }
            finally
            {
                Monitor.Exit(_sync);
            }
        }
    }
}
