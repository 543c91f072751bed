namespace AsyncPatterns.AsyncLock;

/// <summary>
/// The shape every async-lock implementation shares — the <see cref="GuardedCounter"/> constructor and each anti-pattern — so a
/// runner can build any of them alike, then call <see cref="GuardedCounter.IncrementAsync"/>.
/// </summary>
/// <param name="timeProvider">The run's clock, for an implementation that waits on time (the reference does not).</param>
/// <returns>The counter, at 0.</returns>
public delegate GuardedCounter GuardedCounterFactory(TimeProvider timeProvider);
