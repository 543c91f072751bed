namespace AsyncConf.Runner.Candidates;

/// <summary>
/// What one run of a scenario hands your implementation (spec/PROTOCOL.md §3, §5, §8): the injected operation, the run's
/// clock, the caller's cancellation, the scenario's random draws and its parameters. Everything here is on the run's
/// virtual time: wait only through <see cref="TimeProvider"/> and cancel only through the tokens you are given.
/// </summary>
public sealed class CandidateContext
{
    private readonly ScenarioContext _scenario;

    internal CandidateContext(ScenarioContext scenario, CandidateParameters parameters)
    {
        _scenario = scenario;
        Parameters = parameters;
    }

    /// <summary>Gets the clock of the run: pass it to every API that waits (<c>Task.Delay</c>, Polly's <c>ResiliencePipelineBuilder.TimeProvider</c>).</summary>
    public TimeProvider TimeProvider => _scenario.TimeProvider;

    /// <summary>Gets the caller's cancellation (the scenario's <c>cancel_at_ms</c>): the pattern's trailing <see cref="CancellationToken"/>.</summary>
    public CancellationToken CancellationToken => _scenario.CancellationToken;

    /// <summary>Gets the scenario's parameters (spec/PROTOCOL.md §8), in C# units.</summary>
    public CandidateParameters Parameters { get; }

    /// <summary>Gets the random source of the run as a delegate (for an option such as Polly's <c>RetryStrategyOptions.Randomizer</c>): see <see cref="NextRandom"/>.</summary>
    public Func<double> Random => _scenario.Instruments.Draw;

    /// <summary>
    /// The scenario's next <c>random</c> value, in [0, 1]; past the last one the last again (spec/PROTOCOL.md §3). Each
    /// call is a draw, counted in the answer's <c>random_draws</c>: a draw more than the rule makes is reported.
    /// </summary>
    /// <returns>The value drawn.</returns>
    public double NextRandom() => _scenario.Instruments.Draw();

    /// <summary>
    /// The injected operation (spec/PROTOCOL.md §3): call <paramref name="key"/> plays the scenario's plan and records the
    /// call in the trace. Patterns over one operation call it with the key <c>op</c>, patterns over items with each item.
    /// </summary>
    /// <param name="key">The call's key: <c>op</c>, or the item.</param>
    /// <param name="cancellationToken">Cancels the call: it then stops (after the step's <c>cancel_ms</c>) and throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The step's value (a JSON node), or the step's failure.</returns>
    public Task<object?> Operation(string key, CancellationToken cancellationToken) => _scenario.Instruments.Operation(key, cancellationToken);

    /// <summary>
    /// Opens the scenario's resource <c>conn</c> (cancellation-cleanup): records <c>open</c>; its
    /// <see cref="IAsyncDisposable.DisposeAsync"/> takes <c>close_ms</c> of the run's time, then records <c>close</c>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open resource.</returns>
    public ValueTask<IAsyncDisposable> OpenResourceAsync(CancellationToken cancellationToken) =>
        _scenario.Instruments.OpenResourceAsync("conn", cancellationToken);

    /// <summary>
    /// The scenario's async sequence (async-stream): <c>length</c> items, the n-th the value of the call <c>item#n</c>. Its
    /// first pull opens the resource <c>source</c>; its cleanup -- at its end, on a failure, or when its enumerator is
    /// disposed -- closes it (<c>close_ms</c>). The token given to its enumerator (<c>WithCancellation</c>) reaches a
    /// pending pull.
    /// </summary>
    /// <returns>The sequence; each enumeration starts it anew.</returns>
    public IAsyncEnumerable<object?> StreamSource() => PatternBinding.StreamSource(_scenario.Instruments, Parameters.Count("length"));
}
