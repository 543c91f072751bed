namespace AsyncPatterns.CircuitBreaker;

/// <summary>
/// The shape every circuit-breaker implementation shares — the <see cref="CircuitBreakerStrategy"/> constructor and each
/// anti-pattern — so a runner can build any of them alike, then call <see cref="CircuitBreakerStrategy.ExecuteAsync{T}"/>.
/// </summary>
/// <param name="options">The options.</param>
/// <param name="timeProvider">The clock; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <returns>The breaker.</returns>
public delegate CircuitBreakerStrategy CircuitBreakerFactory(CircuitBreakerOptions options, TimeProvider? timeProvider);
