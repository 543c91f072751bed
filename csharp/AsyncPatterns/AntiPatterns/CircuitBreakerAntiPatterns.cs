using AsyncPatterns.CircuitBreaker;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes a circuit breaker exists to prevent: the reference with one decision changed each, built like it
/// (<see cref="CircuitBreakerFactory"/>).
/// </summary>
public static class CircuitBreakerAntiPatterns
{
    /// <summary>never-opens: Counts nothing: every call goes through, however often the operation fails.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy NeverOpens(CircuitBreakerOptions options, TimeProvider? timeProvider) => new NeverOpensBreaker(options, timeProvider);

    /// <summary>never-closes: Once open stays open: no half-open trial after the break.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy NeverCloses(CircuitBreakerOptions options, TimeProvider? timeProvider) => new NeverClosesBreaker(options, timeProvider);

    /// <summary>half-open-lets-all-through: After the break lets every call through instead of one trial at a time.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy HalfOpenLetsAllThrough(CircuitBreakerOptions options, TimeProvider? timeProvider) => new LetsAllThroughBreaker(options, timeProvider);

    /// <summary>counts-cancellations: Counts the caller's cancellation as a failure of the operation.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy CountsCancellations(CircuitBreakerOptions options, TimeProvider? timeProvider) => new CountsCancellationsBreaker(options, timeProvider);

    /// <summary>never-resets-count: Counts every failure since the circuit closed, not consecutive ones: a success resets nothing.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy NeverResetsCount(CircuitBreakerOptions options, TimeProvider? timeProvider) => new NeverResetsCountBreaker(options, timeProvider);

    /// <summary>cancelled-trial-sticks: Forgets a trial its caller cancelled: the trial slot stays taken and every later call is refused.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy CancelledTrialSticks(CircuitBreakerOptions options, TimeProvider? timeProvider) => new CancelledTrialSticksBreaker(options, timeProvider);

    /// <summary>wraps-failure: Reports the operation's failure wrapped in an error of its own instead of unchanged.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy WrapsFailure(CircuitBreakerOptions options, TimeProvider? timeProvider) => new WrapsFailureBreaker(options, timeProvider);

    /// <summary>accepts-invalid-options: Takes a threshold below 1 or a negative break without refusing it.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The breaker.</returns>
    public static CircuitBreakerStrategy AcceptsInvalidOptions(CircuitBreakerOptions options, TimeProvider? timeProvider) => new CircuitBreakerStrategy(options, timeProvider, validate: false);

    private sealed class WrapsFailureBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        public override async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
        {
            try
            {
                return await base.ExecuteAsync(operation, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not (BrokenCircuitException or OperationCanceledException))
            {
                throw new CircuitCallFailedException("The call through the circuit failed.", error);
            }
        }
    }

    private sealed class CircuitCallFailedException(string message, Exception innerException) : Exception(message, innerException);

    private sealed class NeverOpensBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override void OnFailure()
        {
        }
    }

    private sealed class NeverClosesBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override bool BreakOver(TimeSpan elapsed) => false;
    }

    private sealed class LetsAllThroughBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override bool TrialRunning
        {
            get => false;
            set { }
        }
    }

    private sealed class CountsCancellationsBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override void OnCallerCancelled(bool trial) => OnFailure();
    }

    private sealed class NeverResetsCountBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override void OnSuccess()
        {
            if (State == CircuitState.HalfOpen)
            {
                Change(CircuitState.Closed);
            }
        }
    }

    private sealed class CancelledTrialSticksBreaker(CircuitBreakerOptions options, TimeProvider? timeProvider) : CircuitBreakerStrategy(options, timeProvider)
    {
        internal override void OnCallerCancelled(bool trial)
        {
        }
    }
}
