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
    public static GuardedCounter NoLock() => new NoLockCounter();

    /// <summary>not-released-on-failure: releases after the write, not in <c>finally</c>: a failing operation leaves the lock held.</summary>
    /// <returns>The counter.</returns>
    public static GuardedCounter NotReleasedOnFailure() => new NotReleasedOnFailureCounter();

    /// <summary>cancelled-waiter-enters: waits without the caller's token: a cancelled waiter still takes the lock when its turn comes.</summary>
    /// <returns>The counter.</returns>
    public static GuardedCounter CancelledWaiterEnters() => new CancelledWaiterEntersCounter();

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
}
