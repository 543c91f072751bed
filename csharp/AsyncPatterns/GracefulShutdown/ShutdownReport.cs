namespace AsyncPatterns.GracefulShutdown;

/// <summary>What became of every job the service accepted, each key in the order the jobs arrived.</summary>
/// <param name="Completed">The jobs whose operation succeeded.</param>
/// <param name="Failed">The jobs whose operation failed, its own cancellation included.</param>
/// <param name="Cancelled">The jobs the service cancelled at the drain's deadline (or on the caller's cancellation).</param>
public sealed record ShutdownReport(IReadOnlyList<string> Completed, IReadOnlyList<string> Failed, IReadOnlyList<string> Cancelled);
