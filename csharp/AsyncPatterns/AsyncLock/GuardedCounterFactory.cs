namespace AsyncPatterns.AsyncLock;

/// <summary>
/// The shape every async-lock implementation shares — the <see cref="GuardedCounter"/> constructor and each anti-pattern — so a
/// runner can build any of them alike, then call <see cref="GuardedCounter.IncrementAsync"/>.
/// </summary>
/// <returns>The counter, at 0.</returns>
public delegate GuardedCounter GuardedCounterFactory();
