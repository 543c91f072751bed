using AsyncPatterns.RetryBackoff;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes retry-backoff exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/retry-backoff.yaml</c>),
/// each with the signature of <see cref="RetryBackoffStrategy.ExecuteAsync{T}"/>. The suite must reject every one.
/// </summary>
public static class RetryBackoffAntiPatterns
{
    /// <summary><c>no-cap</c>: retries until it succeeds — <see cref="RetryBackoffOptions.MaxAttempts"/> is ignored.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> NoCapAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }

            await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>no-backoff</c>: retries at once, with no delay between attempts.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays (unused: the mistake).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> NoBackoffAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }
        }
    }

    /// <summary><c>sleeps-before-first-attempt</c>: waits a delay before the first attempt too.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> SleepsBeforeFirstAttemptAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }
        }
    }

    /// <summary><c>uncapped-delay</c>: lets the delay grow past <see cref="RetryBackoffOptions.MaxDelay"/>.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> UncappedDelayAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }

            var delay = options.BaseDelay * Math.Pow(options.Factor, attempt - 1);
            if (options.Jitter == RetryJitter.Proportional)
            {
                delay *= 0.5 + options.Randomizer();
            }

            await Task.Delay(delay, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>jitter-before-cap</c>: applies the jitter first and caps the jittered delay.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> JitterBeforeCapAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }

            var delay = options.BaseDelay * Math.Pow(options.Factor, attempt - 1);
            if (options.Jitter == RetryJitter.Proportional)
            {
                delay *= 0.5 + options.Randomizer();
            }

            await Task.Delay(delay < options.MaxDelay ? delay : options.MaxDelay, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>retries-everything</c>: <c>catch (Exception)</c> retries every failure, fatal errors and cancellations alike
    /// (an <see cref="OperationCanceledException"/> is an <see cref="Exception"/>).
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> RetriesEverythingAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (attempt < options.MaxAttempts)
            {
            }

            await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>ignores-timeouts</c>: retries transient failures (<see cref="HttpRequestException"/>) only and gives up on a timeout.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> IgnoresTimeoutsAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < options.MaxAttempts)
            {
            }

            await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>wraps-error</c>: gives up with an exception of its own (<see cref="RetriesExhaustedException"/>) instead of the last attempt's.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> WrapsErrorAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (RetryBackoffConstants.IsTransientOrTimeout(error))
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw new RetriesExhaustedException($"Gave up after {attempt} attempts.", error);
                }
            }

            await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>blocking-sleep</c>: waits with <see cref="Thread.Sleep(TimeSpan)"/>, which blocks the thread (and the event loop running on it).</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays (unused: the mistake).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> BlockingSleepAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }

            Thread.Sleep(RetryBackoffStrategy.GetDelay(attempt, options));
        }
    }

    /// <summary>
    /// <c>ignores-cancel-in-backoff</c>: swallows the <see cref="OperationCanceledException"/> of a delay cut short by the
    /// caller's cancellation and goes on retrying.
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> IgnoresCancelInBackoffAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && RetryBackoffConstants.IsTransientOrTimeout(error))
            {
            }

            try
            {
                await Task.Delay(RetryBackoffStrategy.GetDelay(attempt, options), timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// <c>draws-after-last-attempt</c>: computes the next delay, drawing its jitter, before it checks whether an attempt is
    /// left (as tenacity calls its wait): one draw more than it waits.
    /// </summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation.</param>
    /// <param name="options">The retry options.</param>
    /// <param name="timeProvider">The clock of the delays.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of a successful attempt.</returns>
    public static async Task<T> DrawsAfterLastAttemptAsync<T>(
        Func<CancellationToken, Task<T>> operation, RetryBackoffOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (RetryBackoffConstants.IsTransientOrTimeout(error))
            {
                delay = RetryBackoffStrategy.GetDelay(attempt, options);
                if (attempt >= options.MaxAttempts)
                {
                    throw;
                }
            }

            await Task.Delay(delay, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>What <see cref="RetryBackoffAntiPatterns.WrapsErrorAsync{T}"/> throws instead of the last attempt's exception.</summary>
public sealed class RetriesExhaustedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RetriesExhaustedException"/> class.</summary>
    public RetriesExhaustedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RetriesExhaustedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public RetriesExhaustedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RetriesExhaustedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The last attempt's exception.</param>
    public RetriesExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
