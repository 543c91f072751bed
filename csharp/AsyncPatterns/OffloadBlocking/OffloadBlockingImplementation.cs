namespace AsyncPatterns.OffloadBlocking;

/// <summary>
/// The shape every offload-blocking implementation shares — <see cref="OffloadBlockingStrategy.RunAsync{TItem, T}"/> and
/// each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The work's result type.</typeparam>
/// <param name="work">The blocking work, a synchronous function called once per item.</param>
/// <param name="items">The items.</param>
/// <param name="options">The options.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The work's values.</returns>
public delegate Task<IReadOnlyList<T>> OffloadBlockingImplementation<TItem, T>(
    Func<TItem, T> work,
    IEnumerable<TItem> items,
    OffloadBlockingOptions options,
    CancellationToken cancellationToken);
