namespace AsyncPatterns.CircuitBreaker;

/// <summary>
/// A circuit breaker: closed, open, half-open. One instance is shared by every caller of <see cref="ExecuteAsync{T}"/>.
/// </summary>
/// <remarks>
/// Guarantees (the spec's rules):
/// <list type="bullet">
/// <item>R1: while closed, every call runs the operation: its value comes back, its failure propagates unchanged.</item>
/// <item>R2: <see cref="CircuitBreakerOptions.FailureThreshold"/> consecutive counted failures open the circuit, at the instant the
/// last of them fails; a success while closed starts the count again.</item>
/// <item>R3: while open, a call throws <see cref="BrokenCircuitException"/> at once and the operation is not called.</item>
/// <item>R4: from <see cref="CircuitBreakerOptions.BreakDuration"/> after the circuit opened — that very instant included — the next
/// call is the one trial; a call made while the trial runs is refused like one while open.</item>
/// <item>R5: the trial's success closes the circuit; its counted failure opens it again for another break.</item>
/// <item>R6, R7: every failure of the operation counts, its own <see cref="OperationCanceledException"/> too (one the caller's token
/// did not ask for); the caller's cancellation never counts, and a trial its caller cancelled makes the next call the trial.</item>
/// <item>R8: an outcome counts only in the state its call was let through in.</item>
/// </list>
/// Time is read from the <see cref="TimeProvider"/> given (null: <see cref="TimeProvider.System"/>).
/// </remarks>
public class CircuitBreakerStrategy
{
    private readonly Lock _gate = new Lock();
    private readonly TimeProvider _timeProvider;
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private CircuitState _state = CircuitState.Closed;
    private int _failures;
    private long _openedAt;
    private bool _trialRunning;
    private long _generation; // bumped at every change of state: an outcome of an older one changes nothing (R8)

    /// <summary>Initializes a new instance of the <see cref="CircuitBreakerStrategy"/> class.</summary>
    /// <param name="options">The options, validated now.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">An option is out of its range (R9).</exception>
    public CircuitBreakerStrategy(CircuitBreakerOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, validate: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CircuitBreakerStrategy"/> class; an anti-pattern skips the validation.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <param name="validate">Whether to validate the options (R9).</param>
    internal CircuitBreakerStrategy(CircuitBreakerOptions options, TimeProvider? timeProvider, bool validate)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (validate)
        {
            options.Validate();
        }

        _threshold = options.FailureThreshold;
        _breakDuration = options.BreakDuration;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the circuit's state.</summary>
    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Gets or sets a value indicating whether the trial is running (an anti-pattern overrides it).</summary>
    internal virtual bool TrialRunning
    {
        get => _trialRunning;
        set => _trialRunning = value;
    }

    /// <summary>Runs <paramref name="operation"/> through the circuit.</summary>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation; it receives the caller's token.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value.</returns>
    /// <exception cref="BrokenCircuitException">The circuit is open, or its trial is running.</exception>
    public virtual async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        cancellationToken.ThrowIfCancellationRequested();
        bool trial;
        long generation;
        lock (_gate)
        {
            if (_state == CircuitState.Open && BreakOver(_timeProvider.GetElapsedTime(_openedAt)))
            {
                Change(CircuitState.HalfOpen);
            }

            if (_state == CircuitState.Open || (_state == CircuitState.HalfOpen && TrialRunning))
            {
                throw new BrokenCircuitException($"The circuit is {_state} and is not allowing calls.");
            }

            trial = _state == CircuitState.HalfOpen;
            generation = _generation;
            if (trial)
            {
                TrialRunning = true;
            }
        }

        T result;
        try
        {
            result = await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (Settle(generation, trial, error, cancellationToken))
        {
            throw; // never reached: Settle returns false
        }

        Settle(generation, trial, null, cancellationToken);
        return result;
    }

    /// <summary>Whether the break is over, <paramref name="elapsed"/> after the circuit opened (R4: the very instant included).</summary>
    /// <param name="elapsed">The time since the circuit opened.</param>
    /// <returns>Whether the next call is the trial.</returns>
    internal virtual bool BreakOver(TimeSpan elapsed) => elapsed >= _breakDuration;

    /// <summary>A counted failure (called under the lock).</summary>
    internal virtual void OnFailure()
    {
        if (_state == CircuitState.HalfOpen || ++_failures >= _threshold)
        {
            _openedAt = _timeProvider.GetTimestamp();
            Change(CircuitState.Open);
        }
    }

    /// <summary>A success (called under the lock).</summary>
    internal virtual void OnSuccess()
    {
        if (_state == CircuitState.HalfOpen)
        {
            Change(CircuitState.Closed);
        }

        _failures = 0;
    }

    /// <summary>A caller's cancellation of a call (called under the lock): never counted; a trial's slot is freed (R6).</summary>
    /// <param name="trial">Whether the call was the trial.</param>
    internal virtual void OnCallerCancelled(bool trial)
    {
        if (trial)
        {
            TrialRunning = false;
        }
    }

    /// <summary>Changes the state (called under the lock).</summary>
    /// <param name="state">The new state.</param>
    internal void Change(CircuitState state)
    {
        _state = state;
        _failures = 0;
        TrialRunning = false;
        _generation++;
    }

    /// <summary>Counts a call's outcome in the state it was let through in; returns false (an exception filter that never catches).</summary>
    private bool Settle(long generation, bool trial, Exception? error, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (generation != _generation)
            {
                return false;
            }

            if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                OnCallerCancelled(trial);
            }
            else if (error is not null)
            {
                OnFailure();
            }
            else
            {
                OnSuccess();
            }
        }

        return false;
    }
}
