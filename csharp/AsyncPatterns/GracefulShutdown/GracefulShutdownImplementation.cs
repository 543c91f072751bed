namespace AsyncPatterns.GracefulShutdown;

/// <summary>
/// The shape every graceful-shutdown implementation shares — <see cref="JobService.Create"/> and each of its
/// anti-patterns — so a runner can create any of them alike.
/// </summary>
/// <param name="operation">A job's work, called with the job's key and a token cancelled when the job must stop.</param>
/// <param name="openResource">Opens the resource the service holds while it runs (closed by <see cref="IAsyncDisposable.DisposeAsync"/>).</param>
/// <param name="options">The options, validated at once.</param>
/// <param name="timeProvider">The clock of the drain; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <returns>A service not yet running.</returns>
public delegate IJobService GracefulShutdownImplementation(
    Func<string, CancellationToken, Task> operation,
    Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource,
    GracefulShutdownOptions options,
    TimeProvider? timeProvider);
