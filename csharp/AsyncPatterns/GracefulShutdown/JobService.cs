namespace AsyncPatterns.GracefulShutdown;

/// <summary>
/// Graceful shutdown (spec <c>spec/patterns/graceful-shutdown.yaml</c>): a service runs a job for each key submitted;
/// at shutdown it refuses new jobs, lets the jobs in flight finish for up to <see cref="GracefulShutdownOptions.Drain"/>,
/// cancels the rest and waits for them to stop, closes its resource, and reports what became of every job.
/// </summary>
/// <remarks>
/// Guarantees (the spec's rules):
/// <list type="bullet">
/// <item>R1: a job submitted before the shutdown starts at once, concurrently with the others.</item>
/// <item>R2: from the shutdown on, <see cref="Submit(string)"/> throws <see cref="ServiceStoppedException"/> and starts nothing.</item>
/// <item>R3: the jobs in flight get up to the drain to finish; the service goes on as soon as they have.</item>
/// <item>R4: then the rest are cancelled (through the token each job receives) and the service waits for them to stop; a
/// drain under half a millisecond is no drain at all.</item>
/// <item>R5: the resource is closed exactly once, after every job has ended or stopped, on every path; the report comes
/// only once it is closed.</item>
/// <item>R6: the report lists each accepted job once: completed, failed (its own cancellation, one nobody asked for,
/// included) or cancelled.</item>
/// <item>R7: the caller's cancellation cancels every job at once, waits for them, closes the resource and propagates as
/// <see cref="OperationCanceledException"/>.</item>
/// </list>
/// The drain is measured by the given <see cref="TimeProvider"/>. Thread-safe: jobs may be submitted from any thread.
/// </remarks>
public sealed class JobService : IJobService
{
    private readonly object _gate = new();
    private readonly Func<string, CancellationToken, Task> _operation;
    private readonly Func<CancellationToken, ValueTask<IAsyncDisposable>> _openResource;
    private readonly TimeSpan _drain;
    private readonly TimeProvider _timeProvider;

    // The stopping token: cancelled by Shutdown(); from then on no job is accepted.
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(string Key, Task Done)> _jobs = [];
    private readonly Dictionary<string, string> _endings = new(StringComparer.Ordinal);

    // Cancels the jobs: at the drain's deadline, or with the caller's token. Set while RunAsync serves.
    private CancellationTokenSource? _cancelJobs;

    /// <summary>Initializes a new instance of the <see cref="JobService"/> class.</summary>
    /// <param name="operation">A job's work, called with the job's key and a token cancelled when the job must stop.</param>
    /// <param name="openResource">Opens the resource the service holds while it runs.</param>
    /// <param name="options">The options, validated at once.</param>
    /// <param name="timeProvider">The clock of the drain; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public JobService(
        Func<string, CancellationToken, Task> operation,
        Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource,
        GracefulShutdownOptions options,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(openResource);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _operation = operation;
        _openResource = openResource;

        // Whole milliseconds, halves up (spec/PROTOCOL.md §5): WaitAsync would cut 29.5 ms to 29.
        _drain = Milliseconds.Round(options.Drain);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates a <see cref="JobService"/> (the shape of <see cref="GracefulShutdownImplementation"/>).</summary>
    /// <param name="operation">A job's work.</param>
    /// <param name="openResource">Opens the resource the service holds while it runs.</param>
    /// <param name="options">The options, validated at once.</param>
    /// <param name="timeProvider">The clock of the drain.</param>
    /// <returns>A service not yet running.</returns>
    public static IJobService Create(
        Func<string, CancellationToken, Task> operation,
        Func<CancellationToken, ValueTask<IAsyncDisposable>> openResource,
        GracefulShutdownOptions options,
        TimeProvider? timeProvider) => new JobService(operation, openResource, options, timeProvider);

    /// <inheritdoc/>
    public void Submit(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                throw new ServiceStoppedException($"The service is shutting down: job '{key}' is refused.");
            }

            var cancelJobs = _cancelJobs ?? throw new InvalidOperationException("The service is not running: call RunAsync first.");
            _jobs.Add((key, RunJobAsync(key, cancelJobs.Token)));
        }
    }

    /// <inheritdoc/>
    public void Shutdown() => _stopping.Cancel();

    /// <inheritdoc/>
    public async Task<ShutdownReport> RunAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var resource = await _openResource(cancellationToken).ConfigureAwait(false);
        using var cancelJobs = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // R7: no drain
        lock (_gate)
        {
            _cancelJobs = cancelJobs;
        }

        try
        {
            using (var stoppingOrCaller = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, cancellationToken))
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stoppingOrCaller.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await DrainAsync(cancelJobs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Task[] all;
            lock (_gate)
            {
                _stopping.Cancel(); // a stopped service accepts nothing either (R2)
                all = [.. _jobs.Select(job => job.Done)];
            }

            // Every job has ended or stopped before the close (R4, R5, R7).
            await Task.WhenAll((IEnumerable<Task>)all).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await resource.DisposeAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Report();
    }

    /// <summary>Waits up to the drain for the jobs in flight to end (R3), then cancels the rest (R4).</summary>
    private async Task DrainAsync(CancellationTokenSource cancelJobs, CancellationToken cancellationToken)
    {
        Task[] inFlight;
        lock (_gate)
        {
            inFlight = [.. _jobs.Select(job => job.Done).Where(done => !done.IsCompleted)];
        }

        if (inFlight.Length == 0)
        {
            return;
        }

        try
        {
            // A drain of zero has expired already: the jobs in flight are cancelled at once.
            await Task.WhenAll((IEnumerable<Task>)inFlight).WaitAsync(_drain, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            cancelJobs.Cancel(); // synchronously: each job is told at the deadline, on this thread
        }
    }

    private async Task RunJobAsync(string key, CancellationToken token)
    {
        string ending;
        try
        {
            await _operation(key, token).ConfigureAwait(false);
            ending = "completed";
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            ending = "cancelled";
        }
        catch (Exception)
        {
            // A failure, its own cancellation included, stops neither the service nor the other jobs (R6).
            ending = "failed";
        }

        lock (_gate)
        {
            _endings[key] = ending;
        }
    }

    private ShutdownReport Report()
    {
        lock (_gate)
        {
            string[] Having(string ending) => [.. _jobs.Where(job => _endings.GetValueOrDefault(job.Key) == ending).Select(job => job.Key)];
            return new ShutdownReport(Having("completed"), Having("failed"), Having("cancelled"));
        }
    }
}
