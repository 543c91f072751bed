namespace AsyncPatterns.AsyncLock;

/// <summary>
/// A counter that concurrent callers update with an <c>await</c> between the read and the write, guarded by an async lock:
/// a <see cref="SemaphoreSlim"/> of one slot, taken with <see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/> and
/// released in <c>finally</c>.
/// </summary>
/// <remarks>
/// Guarantees (the spec's rules):
/// <list type="bullet">
/// <item>R1, R2: each <see cref="IncrementAsync"/> reads, awaits its operation and writes the value read plus 1 under the lock, and
/// returns the value it wrote: no update is lost, sections never overlap.</item>
/// <item>R3, R4: waiters enter first-in-first-out; <see cref="SemaphoreSlim.Release()"/> hands the slot to the first asynchronous
/// waiter, so no newcomer gets past the queue.</item>
/// <item>R5, R6: the lock is released in <c>finally</c>: on a failure (which propagates unchanged) and on the caller's
/// cancellation (once the operation has stopped); the counter is not written then.</item>
/// <item>R7: a waiter whose token is cancelled leaves the queue (<see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/> throws);
/// one handed the slot whose token was cancelled before it resumed gives it on at once and never enters, as
/// <c>asyncio.Lock</c> does (<see cref="SemaphoreSlim"/> alone would let it in).</item>
/// </list>
/// </remarks>
public class GuardedCounter : IDisposable
{
    /// <summary>Gets the lock: one slot.</summary>
    protected SemaphoreSlim Gate { get; } = new SemaphoreSlim(1, 1);

    /// <summary>Gets or sets the counter's value.</summary>
    public int Value { get; protected set; }

    /// <summary>One caller's critical section: read, await <paramref name="operation"/>, write the value read plus 1.</summary>
    /// <param name="operation">The operation awaited between the read and the write; it receives the caller's token.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value written.</returns>
    public virtual async Task<int> IncrementAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Handed the slot after the caller cancelled, before this resumed: give it on (R7).
            cancellationToken.ThrowIfCancellationRequested();
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

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the lock's wait handle, if one was made.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Gate.Dispose();
        }
    }
}
