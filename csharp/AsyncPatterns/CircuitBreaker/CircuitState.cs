namespace AsyncPatterns.CircuitBreaker;

/// <summary>The state of a circuit.</summary>
public enum CircuitState
{
    /// <summary>Calls run the operation; failures are counted.</summary>
    Closed,

    /// <summary>Calls are refused with <see cref="BrokenCircuitException"/>.</summary>
    Open,

    /// <summary>The break is over: the next call is the one trial.</summary>
    HalfOpen,
}
