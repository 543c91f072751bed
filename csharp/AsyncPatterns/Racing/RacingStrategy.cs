namespace AsyncPatterns.Racing;

/// <summary>
/// Racing alternatives (spec <c>spec/patterns/racing.yaml</c>): run alternatives concurrently (mirrors, hedged
/// requests); the first success wins, the losers are cancelled and have stopped before it comes back; when every
/// alternative fails, one <see cref="AggregateException"/> holds every failure.
/// </summary>
public static class RacingStrategy
{
    /// <summary>Runs <paramref name="operation"/> for the alternatives <paramref name="items"/>; the first success wins.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: each alternative is one call of the operation with its item; with a zero
    /// <see cref="RacingOptions.HedgeDelay"/> (the default) every alternative starts at once, in input order.</item>
    /// <item>R2: the first success wins: a failure never wins while another alternative is running or has yet to start
    /// (not <see cref="Task.WhenAny(IEnumerable{Task})"/>'s first completed).</item>
    /// <item>R3: once one has won, the others are cancelled (through the token each receives), no further one starts,
    /// and the value comes back only after they have stopped.</item>
    /// <item>R4: with a hedge delay the alternatives start one at a time: the next one that long after the latest one
    /// started, or at once when every started one has failed (Polly's hedging). The hedge timer is armed after the
    /// alternative has started, so a settlement due at the same instant comes first.</item>
    /// <item>R5: when every alternative has failed, one <see cref="AggregateException"/> holds every failure unchanged, in
    /// input order; R7: an alternative's own <see cref="OperationCanceledException"/>, one nobody asked for, is a failure
    /// like any other.</item>
    /// <item>R8: a caller's cancellation cancels every running alternative, starts no further one, and propagates as
    /// <see cref="OperationCanceledException"/> once they have stopped -- also one that comes after an alternative has won,
    /// while the losers are stopping.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation, called once per alternative with a token cancelled when it has lost.</param>
    /// <param name="items">The alternatives: at least one.</param>
    /// <param name="options">The racing options, validated before any alternative starts.</param>
    /// <param name="timeProvider">The clock of the hedge delay; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The first success's value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/>, <paramref name="items"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">There is no alternative, or an option is invalid (thrown before any call).</exception>
    public static Task<T> RaceAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        IEnumerable<TItem> items,
        RacingOptions options,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        var alternatives = items.ToArray();
        if (alternatives.Length == 0)
        {
            // No alternative could win, and a group would report failures that never happened (R9).
            throw new ArgumentException("`items` must hold at least one alternative", nameof(items));
        }

        options.Validate();
        // Whole milliseconds, halves up (spec/PROTOCOL.md §5): Task.Delay would cut 10.5 ms to 10.
        var hedgeDelay = Milliseconds.Round(options.HedgeDelay);
        return RaceCoreAsync(operation, alternatives, hedgeDelay, timeProvider ?? TimeProvider.System, cancellationToken);
    }

    private static async Task<T> RaceCoreAsync<TItem, T>(
        Func<TItem, CancellationToken, Task<T>> operation,
        TItem[] items,
        TimeSpan hedgeDelay,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var racing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failures = new Exception?[items.Length];
        var running = new List<Task<Attempt<T>>>(items.Length);
        var started = 0;
        Attempt<T>? winner = null;
        CancellationTokenSource? hedgeTimer = null;
        Task? hedge = null;

        async Task<Attempt<T>> RunAttemptAsync(int index, CancellationToken token)
        {
            try
            {
                return new Attempt<T>(index, await operation(items[index], token).ConfigureAwait(false), null);
            }
            catch (Exception error)
            {
                return new Attempt<T>(index, default, error);
            }
        }

        void StartNext()
        {
            hedgeTimer?.Cancel(); // started early: every running one failed (R4)
            hedgeTimer?.Dispose();
            hedgeTimer = null;
            hedge = null;
            do
            {
                running.Add(RunAttemptAsync(started++, racing.Token));
            }
            while (hedgeDelay == TimeSpan.Zero && started < items.Length);

            if (started < items.Length)
            {
                // Armed after the operation has started: its settlement at the same instant comes first (R4).
                hedgeTimer = CancellationTokenSource.CreateLinkedTokenSource(racing.Token);
                hedge = Task.Delay(hedgeDelay, timeProvider, hedgeTimer.Token);
            }
        }

        StartNext();
        try
        {
            while (true)
            {
                var waitingOn = new List<Task>(running);
                if (hedge is not null)
                {
                    waitingOn.Add(hedge);
                }

                var completed = await Task.WhenAny((IEnumerable<Task>)waitingOn).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    break; // the caller's cancellation (R8)
                }

                if (completed == hedge)
                {
                    StartNext(); // the hedge delay ended with none of the running ones settled
                    continue;
                }

                var attempt = (Task<Attempt<T>>)completed;
                running.Remove(attempt);
                var outcome = attempt.Result;
                if (outcome.Error is null)
                {
                    winner = outcome; // the first success (R2)
                    break;
                }

                failures[outcome.Index] = outcome.Error; // an own cancellation included (R7)
                if (running.Count == 0)
                {
                    if (started == items.Length)
                    {
                        break; // every alternative failed (R5)
                    }

                    StartNext(); // every started one failed: no wait for the delay (R4)
                }
            }
        }
        finally
        {
            racing.Cancel(); // the losers and the hedge timer (R3, R8)
            await Task.WhenAll((IEnumerable<Task>)running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            hedgeTimer?.Dispose();
        }

        // Also a cancellation that came after the win, while the losers were stopping: the value was not given yet (R8).
        cancellationToken.ThrowIfCancellationRequested();
        if (winner is { } won)
        {
            return won.Value!;
        }

        throw new AggregateException(failures.OfType<Exception>());
    }

    /// <summary>How one alternative settled: its value, or the error it failed with.</summary>
    private readonly record struct Attempt<TValue>(int Index, TValue? Value, Exception? Error);
}
