using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace AsyncPatterns.Backpressure;

/// <summary>
/// Backpressure (spec <c>spec/patterns/backpressure.yaml</c>): a producer and <see cref="BackpressureOptions.Workers"/>
/// consumers joined by a bounded channel of <see cref="BackpressureOptions.Capacity"/> items; the producer waits when it is
/// full; the producer's end drains the channel; a failure stops everything.
/// </summary>
public static class BackpressureStrategy
{
    /// <summary>Consumes every item of <paramref name="source"/> with at most <see cref="BackpressureOptions.Workers"/> consumers, through a bounded channel.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: the channel (<see cref="Channel.CreateBounded{T}(BoundedChannelOptions)"/>, <see cref="BoundedChannelFullMode.Wait"/>)
    /// holds at most <see cref="BackpressureOptions.Capacity"/> items: when it is full the producer waits for a free slot before
    /// it asks <paramref name="source"/> for the next item; it never drops one and never lets the channel grow.</item>
    /// <item>R2: each item is consumed exactly once, by one of at most <see cref="BackpressureOptions.Workers"/> consumers;
    /// items start in production order, each as soon as a consumer is free; waiting consumers and a waiting producer are
    /// woken, never poll.</item>
    /// <item>R3: when <paramref name="source"/> ends, the consumers drain the channel and finish; the values come back in
    /// production order.</item>
    /// <item>R4: fail fast: the first failure of a consumer (an <see cref="OperationCanceledException"/> nobody asked for
    /// included) or of <paramref name="source"/> stops the producer and cancels the consumers (through the tokens they
    /// receive), and propagates unchanged once they have stopped; queued items are never consumed.</item>
    /// <item>R5: a caller's cancellation stops everything and propagates as <see cref="OperationCanceledException"/>.</item>
    /// <item>R8: consumers first: within one instant, a consumer that takes an item starts it before the producer starts
    /// producing its next one (the channel runs a waiting reader's continuation inside the write).</item>
    /// </list>
    /// A consumer is started with each of the first <see cref="BackpressureOptions.Workers"/> items: no more consumers than
    /// items, however large the option.
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <param name="source">The producer: its items, in order, enumerated with a token cancelled to stop it.</param>
    /// <param name="consume">The consumer's work, called once per item with a token cancelled on a failure or by the caller.</param>
    /// <param name="options">The capacity and the number of consumers, validated before anything is produced.</param>
    /// <param name="timeProvider">Not read: the reference waits on its channel only, never on time. Part of the shared
    /// shape (<see cref="BackpressureImplementation{TItem, T}"/>) so that an implementation that does wait on time runs on
    /// the caller's clock.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The consumers' values, in production order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (thrown before anything is produced).</exception>
    public static Task<IReadOnlyList<T>> RunAsync<TItem, T>(
        IAsyncEnumerable<TItem> source,
        Func<TItem, CancellationToken, Task<T>> consume,
        BackpressureOptions options,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(consume);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return RunCoreAsync(source, consume, options.Capacity, options.Workers, cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> RunCoreAsync<TItem, T>(
        IAsyncEnumerable<TItem> source,
        Func<TItem, CancellationToken, Task<T>> consume,
        int capacity,
        int workers,
        CancellationToken cancellationToken)
    {
        // Synchronous continuations: a consumer waiting for an item starts it inside the write that hands it over, before
        // the producer goes on (consumers first, spec R8).
        //
        // A producer waiting for a slot is another matter: the bounded channel wakes a blocked writer on the thread pool,
        // from inside the read that frees the slot (its writers always run their continuations asynchronously), so the
        // producer would race the consumer that took the item -- which of their timers due at one instant fires first
        // would change from run to run. So the slots are a semaphore of `capacity` taken before each write and given back
        // by the consumer only once it has started the item it took: the channel never holds more than `capacity` items
        // (its own bound is never reached), and the producer goes on strictly after that consumer, however threads are
        // scheduled.
        var channel = Channel.CreateBounded<(int Index, TItem Item)>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true, AllowSynchronousContinuations = true });
        using var slots = new SemaphoreSlim(capacity, capacity);
        var results = new List<T>(); // written under its own lock: consumers may run on pool threads
        var consumers = new List<Task>();
        Exception? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Fail(Exception error)
        {
            if (Interlocked.CompareExchange(ref firstFailure, error, null) is null)
            {
                stop.Cancel(); // stops the producer and every consumer (R4)
            }
        }

        async Task ConsumeAsync(CancellationToken token)
        {
            try
            {
                await foreach (var (index, item) in channel.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    Task<T> started;
                    try
                    {
                        started = consume(item, token);
                    }
                    finally
                    {
                        slots.Release(); // the item has started: its slot is free (R1, R8)
                    }

                    var value = await started.ConfigureAwait(false);
                    lock (results)
                    {
                        results[index] = value;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // stopped by a failure or by the caller: no failure of its own
            }
            catch (Exception error)
            {
                Fail(error);
            }
        }

        try
        {
            var produced = 0;
            await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                if (consumers.Count < workers)
                {
                    consumers.Add(ConsumeAsync(stop.Token)); // one more consumer, up to `workers`
                }

                lock (results)
                {
                    results.Add(default!);
                }

                await slots.WaitAsync(stop.Token).ConfigureAwait(false); // waits while full (R1)
                await channel.Writer.WriteAsync((produced++, item), stop.Token).ConfigureAwait(false); // a slot is held: never waits
            }

            channel.Writer.Complete(); // the consumers drain the channel, then finish (R3)
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // stopped by a consumer's failure or by the caller
        }
        catch (Exception error)
        {
            Fail(error);
        }

        // Fail fast only once the consumers have stopped (R4).
        await Task.WhenAll(consumers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }
}
