using AsyncPatterns.CancellationCleanup;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes cancellation-cleanup exists to prevent (the <c>antipatterns:</c> of
/// <c>spec/patterns/cancellation-cleanup.yaml</c>), each with the signature of
/// <see cref="CancellationCleanupStrategy.UseResourceAsync{TResource, T}"/>. The suite must reject every one.
/// </summary>
public static class CancellationCleanupAntiPatterns
{
    /// <summary><c>no-finally</c>: disposes of the resource after a success only: no <c>finally</c>, no <c>await using</c>.</summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource.</param>
    /// <param name="operation">The operation on the resource.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value.</returns>
    public static async Task<T> NoFinallyAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource, Func<TResource, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        var result = await operation(resource, cancellationToken).ConfigureAwait(false);
        await resource.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// <c>cleanup-on-exception-only</c>: disposes of the resource in <c>catch (Exception e) when (e is not
    /// OperationCanceledException)</c>, a handler that cancellation bypasses.
    /// </summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource.</param>
    /// <param name="operation">The operation on the resource.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value.</returns>
    public static async Task<T> CleanupOnExceptionOnlyAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource, Func<TResource, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        T result;
        try
        {
            result = await operation(resource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            await resource.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await resource.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary><c>swallows-cancellation</c>: disposes of the resource, then swallows the <see cref="OperationCanceledException"/> and returns <c>default</c>.</summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource.</param>
    /// <param name="operation">The operation on the resource.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value, or <c>default</c> when cancelled.</returns>
    public static async Task<T> SwallowsCancellationAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource, Func<TResource, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        await using (resource.ConfigureAwait(false))
        {
            try
            {
                return await operation(resource, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return default!;
            }
        }
    }

    /// <summary>
    /// <c>cleanup-not-awaited</c>: starts the asynchronous cleanup in an <c>async void</c> method, fire-and-forget, and
    /// does not wait for it.
    /// </summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource.</param>
    /// <param name="operation">The operation on the resource.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value.</returns>
    public static async Task<T> CleanupNotAwaitedAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource, Func<TResource, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(resource, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CloseInBackground(resource);
        }
    }

    /// <summary>
    /// <c>missing-await</c>: calls <see cref="IAsyncDisposable.DisposeAsync"/> without <c>await</c>: the cleanup starts
    /// (in C#, unlike a Python coroutine, it does run) but nothing waits for it to complete.
    /// </summary>
    /// <typeparam name="TResource">The resource's type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="openResource">Opens the resource.</param>
    /// <param name="operation">The operation on the resource.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value.</returns>
    public static async Task<T> MissingAwaitAsync<TResource, T>(
        Func<CancellationToken, ValueTask<TResource>> openResource, Func<TResource, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where TResource : IAsyncDisposable
    {
        var resource = await openResource(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(resource, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
#pragma warning disable CS4014, CA2012 // The mistake on purpose: a ValueTask dropped without await.
            resource.DisposeAsync();
#pragma warning restore CS4014, CA2012
        }
    }

    private static async void CloseInBackground(IAsyncDisposable resource) => await resource.DisposeAsync().ConfigureAwait(false);
}
