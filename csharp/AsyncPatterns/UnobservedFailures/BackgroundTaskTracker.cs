namespace AsyncPatterns.UnobservedFailures;

/// <summary>
/// Fire and forget, observed: starts work nobody awaits where it starts, reports each failure once to an error handler,
/// and tracks the work so that a shutdown can cancel it and wait for it (spec <c>spec/patterns/unobserved-failures.yaml</c>).
/// </summary>
/// <remarks>
/// <para>A discarded faulted <see cref="Task"/> surfaces only as <see cref="TaskScheduler.UnobservedTaskException"/>, when
/// the garbage collector finalizes it; an <c>async void</c> method's exception is rethrown on its synchronization context
/// (without one, on the thread pool, which ends the process). So every piece of work runs inside
/// <see cref="ObserveAsync"/>, a task that never faults: it catches the failure and hands the very exception to the
/// handler (R2, R3).</para>
/// <list type="bullet">
/// <item>R1: <see cref="Start"/> returns at once.</item>
/// <item>R4: <see cref="ShutdownAsync"/> cancels the token every piece of work got and completes once each has stopped.</item>
/// <item>R5: an <see cref="OperationCanceledException"/> the work throws while the shutdown has not asked for one is a
/// failure and is reported; one the shutdown asked for is not.</item>
/// <item>R7: an exception the handler throws is kept, and <see cref="ShutdownAsync"/> throws them together in an
/// <see cref="AggregateException"/> once every piece of work has stopped.</item>
/// </list>
/// </remarks>
public sealed class BackgroundTaskTracker : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Action<Exception> _onError;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _running = [];
    private readonly List<Exception> _handlerErrors = [];

    /// <summary>Initializes a new instance of the <see cref="BackgroundTaskTracker"/> class.</summary>
    /// <param name="onError">Gets every failure of the background work, once, unchanged.</param>
    /// <exception cref="ArgumentNullException"><paramref name="onError"/> is null.</exception>
    public BackgroundTaskTracker(Action<Exception> onError)
    {
        ArgumentNullException.ThrowIfNull(onError);
        _onError = onError;
    }

    /// <summary>Starts <paramref name="work"/> in the background and returns at once.</summary>
    /// <param name="work">The work; it gets the token the shutdown cancels.</param>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public void Start(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var observed = ObserveAsync(work, _stopping.Token);
        lock (_gate)
        {
            _running.Add(observed);
        }

        // Forget it once it has ended, so that a long-lived tracker does not keep every finished task.
        observed.ContinueWith(
            static (task, state) => ((BackgroundTaskTracker)state!).Forget(task),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Cancels every piece of work still running and waits until each has stopped.</summary>
    /// <param name="cancellationToken">Stops the wait only (the work has been cancelled already).</param>
    /// <returns>A task that completes once every piece of work has stopped.</returns>
    /// <exception cref="AggregateException">The error handler threw: its exceptions, each once.</exception>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        _stopping.Cancel();
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        Exception[] errors;
        lock (_gate)
        {
            errors = [.. _handlerErrors];
            _handlerErrors.Clear();
        }

        if (errors.Length > 0)
        {
            throw new AggregateException("The error handler failed.", errors);
        }
    }

    /// <summary>Shuts down (<see cref="ShutdownAsync"/>).</summary>
    /// <returns>A task that completes once every piece of work has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _stopping.Dispose();
        }
    }

    private async Task ObserveAsync(Func<CancellationToken, Task> work, CancellationToken stopping)
    {
        try
        {
            await work(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The shutdown asked for it: not a failure (R5).
        }
        catch (Exception error)
        {
            Report(error);
        }
    }

    private void Report(Exception error)
    {
        try
        {
            _onError(error);
        }
        catch (Exception handlerError)
        {
            lock (_gate)
            {
                _handlerErrors.Add(handlerError); // R7: kept for the shutdown, never left unobserved
            }
        }
    }

    private void Forget(Task task)
    {
        lock (_gate)
        {
            _running.Remove(task);
        }
    }
}
