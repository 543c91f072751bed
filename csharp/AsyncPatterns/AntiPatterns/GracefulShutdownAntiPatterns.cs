using AsyncPatterns.GracefulShutdown;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes graceful-shutdown exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/graceful-shutdown.yaml</c>),
/// each with the signature of <see cref="JobService.Create"/>: one service with one flaw each. The suite must reject every one.
/// </summary>
public static class GracefulShutdownAntiPatterns
{
    private enum Flaw
    {
        ExitsAtOnce,
        NoDeadline,
        AcceptsAfterShutdown,
        SkipsCleanup,
        NoWaitAfterCancel,
    }

    /// <summary><c>exits-at-once</c>: stops at the shutdown at once: closes and reports without waiting for the jobs in flight.</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the service's resource.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>The flawed service.</returns>
    public static IJobService ExitsAtOnce(
        Func<string, CancellationToken, Task> operation, Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource, GracefulShutdownOptions options, TimeProvider? timeProvider) =>
        new FlawedJobService(operation, openResource, options, timeProvider, Flaw.ExitsAtOnce);

    /// <summary><c>no-deadline</c>: waits for the jobs in flight with no deadline.</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the service's resource.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>The flawed service.</returns>
    public static IJobService NoDeadline(
        Func<string, CancellationToken, Task> operation, Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource, GracefulShutdownOptions options, TimeProvider? timeProvider) =>
        new FlawedJobService(operation, openResource, options, timeProvider, Flaw.NoDeadline);

    /// <summary><c>accepts-after-shutdown</c>: never refuses a job: it accepts them while it drains, and after it has stopped.</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the service's resource.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>The flawed service.</returns>
    public static IJobService AcceptsAfterShutdown(
        Func<string, CancellationToken, Task> operation, Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource, GracefulShutdownOptions options, TimeProvider? timeProvider) =>
        new FlawedJobService(operation, openResource, options, timeProvider, Flaw.AcceptsAfterShutdown);

    /// <summary><c>skips-cleanup</c>: never closes its resource.</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the service's resource.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>The flawed service.</returns>
    public static IJobService SkipsCleanup(
        Func<string, CancellationToken, Task> operation, Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource, GracefulShutdownOptions options, TimeProvider? timeProvider) =>
        new FlawedJobService(operation, openResource, options, timeProvider, Flaw.SkipsCleanup);

    /// <summary><c>no-wait-after-cancel</c>: cancels the jobs left at the deadline, but closes without waiting for them to stop.</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the service's resource.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>The flawed service.</returns>
    public static IJobService NoWaitAfterCancel(
        Func<string, CancellationToken, Task> operation, Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource, GracefulShutdownOptions options, TimeProvider? timeProvider) =>
        new FlawedJobService(operation, openResource, options, timeProvider, Flaw.NoWaitAfterCancel);

    private sealed class FlawedJobService(
        Func<string, CancellationToken, Task> operation,
        Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource,
        GracefulShutdownOptions options,
        TimeProvider? timeProvider,
        Flaw flaw) : IJobService
    {
        private readonly object _gate = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _cancelJobs = new();
        private readonly List<(string Key, Task Done)> _jobs = [];
        private readonly Dictionary<string, string> _endings = new(StringComparer.Ordinal);

        public void Submit(string key)
        {
            lock (_gate)
            {
                if (flaw != Flaw.AcceptsAfterShutdown && _stopping.IsCancellationRequested)
                {
                    throw new ServiceStoppedException($"The service is shutting down: job '{key}' is refused.");
                }

                _jobs.Add((key, RunJobAsync(key, _cancelJobs.Token)));
            }
        }

        public void Shutdown() => _stopping.Cancel();

        public async Task<ShutdownReport> RunAsync(CancellationToken cancellationToken = default)
        {
            var resource = await openResource(cancellationToken).ConfigureAwait(false);
            var detached = flaw is Flaw.ExitsAtOnce or Flaw.NoWaitAfterCancel;
            using var onCaller = detached ? default : cancellationToken.Register(_cancelJobs.Cancel);
            if (flaw == Flaw.SkipsCleanup)
            {
                try
                {
                    await ServeAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _stopping.Cancel();
                    await Task.WhenAll((IEnumerable<Task>)Snapshot()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // and never closes the resource
                }
            }
            else
            {
                try
                {
                    await ServeAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _stopping.Cancel();
                    if (!detached)
                    {
                        await Task.WhenAll((IEnumerable<Task>)Snapshot()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }

                    await resource.DisposeAsync().ConfigureAwait(false);
                }
            }

            lock (_gate)
            {
                string[] Having(string ending) => [.. _jobs.Where(job => _endings.GetValueOrDefault(job.Key) == ending).Select(job => job.Key)];
                return new ShutdownReport(Having("completed"), Having("failed"), Having("cancelled"));
            }
        }

        private Task[] Snapshot()
        {
            lock (_gate)
            {
                return [.. _jobs.Select(job => job.Done)];
            }
        }

        private async Task ServeAsync(CancellationToken cancellationToken)
        {
            using (var stoppingOrCaller = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, cancellationToken))
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stoppingOrCaller.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (flaw == Flaw.ExitsAtOnce)
            {
                return;
            }

            var inFlight = Snapshot().Where(done => !done.IsCompleted).ToArray();
            if (inFlight.Length == 0)
            {
                return;
            }

            if (flaw == Flaw.NoDeadline)
            {
                await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            try
            {
                await Task.WhenAll(inFlight).WaitAsync(options.Drain, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _cancelJobs.Cancel();
            }
        }

        private async Task RunJobAsync(string key, CancellationToken token)
        {
            string ending;
            try
            {
                await operation(key, token).ConfigureAwait(false);
                ending = "completed";
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                ending = "cancelled";
            }
            catch (Exception)
            {
                ending = "failed";
            }

            lock (_gate)
            {
                _endings[key] = ending;
            }
        }
    }
}
