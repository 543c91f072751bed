namespace AsyncPatterns.CancellationCleanup;

/// <summary>
/// Cancellation with cleanup (spec <c>spec/patterns/cancellation-cleanup.yaml</c>): open a resource, run an
/// operation with it, and close it on every path; a cancellation runs the cleanup, then propagates.
/// </summary>
public static class CancellationCleanupStrategy
{
    /// <summary>Opens a resource, runs <paramref name="operation"/> with it, and disposes of it on every path.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: the resource is opened before the operation starts and disposed of exactly once after it ends, on every
    /// path: success, failure, cancellation.</item>
    /// <item>R2: on success the operation's value is returned once the cleanup has completed.</item>
    /// <item>R3: on failure the cleanup completes, then the operation's exception propagates unchanged.</item>
    /// <item>R4: on cancellation the operation is cancelled (through the token it receives), the cleanup runs to completion
    /// (<see cref="IAsyncDisposable.DisposeAsync"/> is not cancellable), and then <see cref="OperationCanceledException"/>
    /// propagates: it is never swallowed or turned into a value — not even by a failure: a cancellation that comes during the
    /// cleanup of a failed operation propagates once the cleanup has completed.</item>
    /// <item>R5: the outcome comes only after the cleanup has completed: once <see cref="IAsyncDisposable.DisposeAsync"/>
    /// has finished after the operation ended (or has stopped, when cancelled).</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="operation">The operation on the resource; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value, once the resource is disposed of.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="openResource"/> or <paramref name="operation"/> is null.</exception>
    public static Task<T> UseResourceAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource,
        Func<TResource, CancellationToken, Task<T>> operation,
        CancellationToken cancellationToken = default)
        where TResource : IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(openResource);
        ArgumentNullException.ThrowIfNull(operation);
        return UseResourceCoreAsync(openResource, operation, cancellationToken);
    }

    private static async Task<T> UseResourceCoreAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource,
        Func<TResource, CancellationToken, Task<T>> operation,
        CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(resource, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await resource.DisposeAsync().ConfigureAwait(false);

            // A cancellation that came during the cleanup is never swallowed, not even by a failure or a value: it
            // propagates once the cleanup has completed (R4), as in Python.
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
