namespace AsyncPatterns.AsyncStream;

/// <summary>
/// The shape every async-stream implementation shares — <see cref="AsyncStreamStrategy.ConsumeAsync{T}"/> and each of its
/// anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="source">The sequence to consume.</param>
/// <param name="use">The consumer's work on one item.</param>
/// <param name="options">The options.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The items consumed.</returns>
public delegate Task<IReadOnlyList<T>> AsyncStreamImplementation<T>(
    IAsyncEnumerable<T> source,
    Func<T, CancellationToken, Task> use,
    AsyncStreamOptions options,
    CancellationToken cancellationToken);
