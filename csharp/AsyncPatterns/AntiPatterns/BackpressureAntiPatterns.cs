using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using AsyncPatterns.Backpressure;

namespace AsyncPatterns.AntiPatterns;

/// <summary>
/// The mistakes backpressure exists to prevent (the <c>antipatterns:</c> of <c>spec/patterns/backpressure.yaml</c>), each
/// with the signature of <see cref="BackpressureStrategy.RunAsync{TItem, T}"/>. Each is the reference's shape — a consumer
/// per item up to <see cref="BackpressureOptions.Workers"/>, fail fast — with the one mistake its name says. The suite
/// must reject every one.
/// </summary>
public static class BackpressureAntiPatterns
{
    /// <summary>How long <see cref="BusyPollingAsync{TItem, T}"/> waits between two looks at the channel.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>How many consumers <see cref="BusyPollingAsync{TItem, T}"/> starts up front (never <see cref="int.MaxValue"/> tasks).</summary>
    public const int Pollers = 64;

    /// <summary><c>unbounded-queue</c>: <see cref="Channel.CreateUnbounded{T}()"/>: the producer never waits and the channel grows with it.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <param name="source">The producer.</param>
    /// <param name="consume">The consumer's work.</param>
    /// <param name="options">The options (the capacity is ignored: the mistake).</param>
    /// <param name="timeProvider">The clock (not read).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The consumers' values.</returns>
    public static Task<IReadOnlyList<T>> UnboundedQueueAsync<TItem, T>(
        IAsyncEnumerable<TItem> source, Func<TItem, CancellationToken, Task<T>> consume, BackpressureOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken) =>
        PipelineAsync(source, consume, options, Unbounded<TItem>(), Waiting<TItem>(), complete: true, cancellationToken);

    /// <summary><c>drops-when-full</c>: a bounded channel with <see cref="BoundedChannelFullMode.DropWrite"/>: a full channel loses the item.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <param name="source">The producer.</param>
    /// <param name="consume">The consumer's work.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock (not read).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The consumers' values.</returns>
    public static Task<IReadOnlyList<T>> DropsWhenFullAsync<TItem, T>(
        IAsyncEnumerable<TItem> source, Func<TItem, CancellationToken, Task<T>> consume, BackpressureOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken) =>
        PipelineAsync(source, consume, options, Bounded<TItem>(options, BoundedChannelFullMode.DropWrite), Waiting<TItem>(), complete: true, cancellationToken);

    /// <summary><c>busy-polling</c>: <c>TryWrite</c> / <c>TryRead</c> every <see cref="PollInterval"/> instead of waiting to be woken.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <param name="source">The producer.</param>
    /// <param name="consume">The consumer's work.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock the polls wait on.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The consumers' values.</returns>
    public static Task<IReadOnlyList<T>> BusyPollingAsync<TItem, T>(
        IAsyncEnumerable<TItem> source, Func<TItem, CancellationToken, Task<T>> consume, BackpressureOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var time = timeProvider ?? TimeProvider.System;
        var polling = new Queueing<TItem>(
            async (writer, entry, ct) =>
            {
                while (!writer.TryWrite(entry))
                {
                    await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
                }
            },
            async (reader, ct) =>
            {
                while (!reader.Completion.IsCompleted)
                {
                    if (reader.TryRead(out var entry))
                    {
                        return (true, entry);
                    }

                    await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
                }

                return (false, default);
            });
        return PipelineAsync(source, consume, options, Bounded<TItem>(options, BoundedChannelFullMode.Wait), polling, complete: true, cancellationToken, upFront: Math.Clamp(options.Workers, 0, Pollers));
    }

    /// <summary><c>consumers-never-finish</c>: never completes the channel's writer: the consumers wait for another item forever.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="T">The consumer's result type.</typeparam>
    /// <param name="source">The producer.</param>
    /// <param name="consume">The consumer's work.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock (not read).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The consumers' values.</returns>
    public static Task<IReadOnlyList<T>> ConsumersNeverFinishAsync<TItem, T>(
        IAsyncEnumerable<TItem> source, Func<TItem, CancellationToken, Task<T>> consume, BackpressureOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken) =>
        PipelineAsync(source, consume, options, Bounded<TItem>(options, BoundedChannelFullMode.Wait), Waiting<TItem>(), complete: false, cancellationToken, holdSlots: true);

    // Synchronous continuations, as the reference's: a consumer waiting for an item starts it inside the write that hands
    // it over, before the producer goes on (R8). Without them the consumer went on on a pool thread while the producer
    // started its next production, and which of their timers due at one instant fired first was a race of threads (C#
    // drops-when-full and unbounded-queue passed handed-item-starts-before-the-next-production in 8-34 of 150 runs when
    // idle pool workers did not spin): a second mistake, and one that came and went.
    private static Channel<(int, TItem)> Bounded<TItem>(BackpressureOptions options, BoundedChannelFullMode mode) =>
        Channel.CreateBounded<(int, TItem)>(new BoundedChannelOptions(options.Capacity) { FullMode = mode, AllowSynchronousContinuations = true });

    private static Channel<(int, TItem)> Unbounded<TItem>() =>
        Channel.CreateUnbounded<(int, TItem)>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });

    private static Queueing<TItem> Waiting<TItem>() =>
        new((writer, entry, ct) => writer.WriteAsync(entry, ct), WaitToReadAsync);

    private static async ValueTask<(bool, (int, TItem))> WaitToReadAsync<TItem>(ChannelReader<(int, TItem)> reader, CancellationToken cancellationToken)
    {
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.TryRead(out var entry))
            {
                return (true, entry);
            }
        }

        return (false, default);
    }

    private static async Task<IReadOnlyList<T>> PipelineAsync<TItem, T>(
        IAsyncEnumerable<TItem> source,
        Func<TItem, CancellationToken, Task<T>> consume,
        BackpressureOptions options,
        Channel<(int, TItem)> channel,
        Queueing<TItem> queueing,
        bool complete,
        CancellationToken cancellationToken,
        int upFront = 0,
        bool holdSlots = false)
    {
        // No options.Validate(), like the naive code each mistake stands for: no worker is no consumer.
        var results = new List<T>();
        var consumers = new List<Task>();
        Exception? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // `holdSlots`: the reference's semaphore (BackpressureStrategy), for a channel whose writer waits while it is full: the
        // channel wakes a waiting writer on the thread pool, which then raced the consumer that freed its slot (C#
        // consumers-never-finish passed freed-slot-consumer-starts-before-the-producer in some runs and failed it in
        // others). The producer takes a slot before each write; a consumer gives it back once it has started its item.
        using var freeSlots = holdSlots ? new SemaphoreSlim(options.Capacity, options.Capacity) : null;

        void Fail(Exception error)
        {
            if (Interlocked.CompareExchange(ref firstFailure, error, null) is null)
            {
                stop.Cancel();
            }
        }

        async Task ConsumeAsync(CancellationToken token)
        {
            try
            {
                while (await queueing.Read(channel.Reader, token).ConfigureAwait(false) is (true, var (index, item)))
                {
                    Task<T> started;
                    try
                    {
                        started = consume(item, token);
                    }
                    finally
                    {
                        freeSlots?.Release();
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
            }
            catch (Exception error)
            {
                Fail(error);
            }
        }

        for (var started = 0; started < upFront; started++)
        {
            consumers.Add(ConsumeAsync(stop.Token));
        }

        try
        {
            var produced = 0;
            await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                if (consumers.Count < options.Workers)
                {
                    consumers.Add(ConsumeAsync(stop.Token));
                }

                lock (results)
                {
                    results.Add(default!);
                }

                if (freeSlots is not null)
                {
                    await freeSlots.WaitAsync(stop.Token).ConfigureAwait(false);
                }

                await queueing.Write(channel.Writer, (produced++, item), stop.Token).ConfigureAwait(false);
            }

            if (complete)
            {
                channel.Writer.Complete();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            Fail(error);
        }

        await Task.WhenAll(consumers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>How items go into the channel and come out of it: what a mistake changes.</summary>
    private sealed record Queueing<TItem>(
        Func<ChannelWriter<(int, TItem)>, (int, TItem), CancellationToken, ValueTask> Write,
        Func<ChannelReader<(int, TItem)>, CancellationToken, ValueTask<(bool, (int, TItem))>> Read);
}
