using AsyncPatterns.Timeout;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes timeout exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/timeout.yaml</c>), each with the
/// signature of <see cref="TimeoutStrategy.ExecuteAsync{T}"/>. The suite must reject every one.
/// </summary>
public static class TimeoutAntiPatterns
{
    /// <summary>
    /// <c>leaves-running</c>: <see cref="Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/> stops waiting at the
    /// limit but never cancels the operation, which goes on running.
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> LeavesRunningAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        options.Validate(); // as the reference, before the operation starts: its mistake is the operation left running, not the arguments
        var task = operation(cancellationToken);
        try
        {
            return new TimeoutResult<T>(await task.WaitAsync(options.Timeout, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false));
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            return default;
        }
    }

    /// <summary>
    /// <c>no-wait-after-cancel</c>: cancels the operation at the limit but returns before it has stopped
    /// (<see cref="Task.WaitAsync(CancellationToken)"/> on the limit's token).
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> NoWaitAfterCancelAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return new TimeoutResult<T>(await operation(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return default;
        }
    }

    /// <summary><c>raises-on-timeout</c>: cancels the operation at the limit, then throws a <see cref="TimeoutException"/> instead of returning no result.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value.</returns>
    public static async Task<TimeoutResult<T>> RaisesOnTimeoutAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return new TimeoutResult<T>(await operation(linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException error) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The operation did not complete within {options.Timeout}.", error);
        }
    }

    /// <summary><c>swallows-own-timeout</c>: turns every timeout into no result, the operation's own <see cref="TimeoutException"/> included.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> SwallowsOwnTimeoutAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return new TimeoutResult<T>(await operation(linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return default;
        }
        catch (TimeoutException)
        {
            return default;
        }
    }

    /// <summary><c>none-on-any-error</c>: <c>catch (Exception)</c> turns every failure of the operation into no result.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> NoneOnAnyErrorAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return new TimeoutResult<T>(await operation(linked.Token).ConfigureAwait(false));
        }
        catch (Exception)
        {
            return default;
        }
    }

    /// <summary>
    /// <c>cancel-as-timeout</c>: catches every <see cref="OperationCanceledException"/> as if it were the limit's, so the
    /// caller's cancellation also returns no result.
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> CancelAsTimeoutAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return new TimeoutResult<T>(await operation(linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            return default;
        }
    }

    /// <summary>
    /// <c>polling</c>: checks <see cref="Task.IsCompleted"/> every 25 ms instead of awaiting the operation, so a result
    /// (a failure or the caller's cancellation included) comes up to 25 ms late.
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The timeout options.</param>
    /// <param name="timeProvider">The clock of the limit and the polls.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value, or a timed-out result.</returns>
    public static async Task<TimeoutResult<T>> PollingAsync<T>(
        Func<CancellationToken, Task<T>> operation, TimeoutOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var clock = timeProvider ?? TimeProvider.System;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = operation(stop.Token);
        var started = clock.GetTimestamp();
        while (!task.IsCompleted && clock.GetElapsedTime(started) < options.Timeout)
        {
            // The poll itself is not cancellable: the caller's cancellation reaches the operation, and is seen at the next poll.
            await Task.Delay(TimeSpan.FromMilliseconds(25), clock, CancellationToken.None).ConfigureAwait(false);
        }

        if (task.IsCompleted)
        {
            return new TimeoutResult<T>(await task.ConfigureAwait(false));
        }

        stop.Cancel();
        await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return default;
    }
}
