namespace AsyncPatterns.GracefulShutdown;

/// <summary>A service that runs a job for each key submitted until it is shut down (spec <c>spec/patterns/graceful-shutdown.yaml</c>).</summary>
public interface IJobService
{
    /// <summary>Starts the job <paramref name="key"/> now.</summary>
    /// <param name="key">The job's key: its operation is called with it.</param>
    /// <exception cref="ServiceStoppedException">The shutdown has begun.</exception>
    void Submit(string key);

    /// <summary>Asks for the shutdown: no job is accepted from now on, and <see cref="RunAsync"/> drains and returns.</summary>
    void Shutdown();

    /// <summary>Serves until <see cref="Shutdown"/>; then drains, cancels the rest, closes its resource, and reports.</summary>
    /// <param name="cancellationToken">The caller's cancellation of the whole service: no drain.</param>
    /// <returns>What became of every job accepted.</returns>
    Task<ShutdownReport> RunAsync(CancellationToken cancellationToken = default);
}
