namespace AsyncPatterns.CancellationCleanup;

/// <summary>
/// The shape every cancellation-cleanup implementation shares — <see cref="CancellationCleanupStrategy.UseResourceAsync{TResource, T}"/>
/// and each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TResource">The resource's type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="openResource">Opens the resource.</param>
/// <param name="operation">The operation on the resource.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The operation's value.</returns>
public delegate Task<T> CancellationCleanupImplementation<TResource, T>(
    Func<CancellationToken, ValueTask<TResource>> openResource,
    Func<TResource, CancellationToken, Task<T>> operation,
    CancellationToken cancellationToken)
    where TResource : IAsyncDisposable;
