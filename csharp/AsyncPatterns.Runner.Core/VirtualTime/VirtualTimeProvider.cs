namespace AsyncConf.Runner.VirtualTime;

/// <summary>
/// A <see cref="TimeProvider"/> on virtual time: an integer number of milliseconds starting at 0 that moves only when
/// <see cref="FireNext"/> advances it to the earliest timer.
/// </summary>
/// <remarks>
/// Guarantees (spec/PROTOCOL.md §5): time is a whole number of milliseconds and a delay is rounded to whole milliseconds
/// by <see cref="RoundMilliseconds"/> (halves up); timers fire one at a time (<see cref="FireNext"/>), by due time and then
/// in the order they were scheduled (a priority queue by due time, then sequence number); periodic timers are re-armed
/// after each firing. <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> cuts its delay to whole
/// milliseconds before the provider sees it: code that needs 74.5 ms to wait 75 must round first.
/// Nothing fires by itself: whoever drives the clock (<see cref="RunLoop"/>) decides when it is safe to advance.
/// Thread-safe: timers may be created, changed and disposed from any thread.
/// </remarks>
public sealed class VirtualTimeProvider : TimeProvider
{
    /// <summary>The wall-clock reading of virtual time 0 (not 0 itself: some libraries treat 0 as "never").</summary>
    public static readonly DateTimeOffset DefaultEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly object _gate = new();
    private readonly PriorityQueue<Entry, (long Due, long Sequence)> _queue = new();
    private readonly DateTimeOffset _epoch;
    private long _nowMs;
    private long _sequence;

    /// <summary>Initializes a new instance of the <see cref="VirtualTimeProvider"/> class, at virtual time 0.</summary>
    /// <param name="epoch">What <see cref="GetUtcNow"/> reads at virtual time 0; <see cref="DefaultEpoch"/> when null.</param>
    public VirtualTimeProvider(DateTimeOffset? epoch = null) => _epoch = epoch ?? DefaultEpoch;

    /// <summary>Gets the virtual time, in whole milliseconds since the provider was created.</summary>
    public long NowMs => Interlocked.Read(ref _nowMs);

    /// <summary>Gets the number of armed timers.</summary>
    public int ArmedTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.UnorderedItems.Count(item => item.Element.IsCurrent);
            }
        }
    }

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _epoch.AddMilliseconds(NowMs);

    /// <inheritdoc/>
    public override long GetTimestamp() => NowMs * TimeSpan.TicksPerMillisecond;

    /// <summary>
    /// Gets the number of armed timers the implementation armed: all but the runner's own (<see cref="CreateRunnerTimer"/>).
    /// One still armed when the pattern settles is work it left pending (spec/PROTOCOL.md §7).
    /// </summary>
    internal int ArmedImplementationTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.UnorderedItems.Count(item => item.Element.IsCurrent && !item.Element.Timer.IsRunners);
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Create(callback, state, dueTime, period, isRunners: false);

    /// <summary>
    /// A timer of the runner's own (the limit, a cancellation, the plan's delays ...: every <c>RunClock.After</c>), which
    /// <see cref="ArmedImplementationTimerCount"/> leaves out; otherwise as <see cref="CreateTimer"/>.
    /// </summary>
    internal ITimer CreateRunnerTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Create(callback, state, dueTime, period, isRunners: true);

    /// <summary>Gets the due time of the earliest armed timer.</summary>
    /// <param name="dueMs">The earliest due time, in virtual milliseconds.</param>
    /// <returns><see langword="false"/> when no timer is armed.</returns>
    public bool TryGetNextDue(out long dueMs)
    {
        lock (_gate)
        {
            DropStale();
            if (_queue.TryPeek(out _, out var priority))
            {
                dueMs = priority.Due;
                return true;
            }

            dueMs = 0;
            return false;
        }
    }

    /// <summary>
    /// Advances the clock to the earliest armed timer (never backwards) and runs that one timer's callback on the
    /// calling thread; a periodic timer is re-armed first.
    /// </summary>
    /// <returns><see langword="false"/> when no timer is armed (the clock does not move).</returns>
    public bool FireNext()
    {
        VirtualTimer timer;
        lock (_gate)
        {
            DropStale();
            if (!_queue.TryDequeue(out var entry, out var priority))
            {
                return false;
            }

            timer = entry.Timer;
            Interlocked.Exchange(ref _nowMs, Math.Max(_nowMs, priority.Due));
            if (timer.PeriodMs > 0)
            {
                Enqueue(entry, priority.Due + timer.PeriodMs);
            }
            else
            {
                timer.IsArmed = false;
            }
        }

        timer.Invoke();
        return true;
    }

    /// <summary>
    /// The thread that drives the clock was busy for <paramref name="milliseconds"/> (blocking work on the loop): the clock
    /// moves on at once, without firing anything; every timer due meanwhile fires late, after the block, in its order.
    /// </summary>
    /// <param name="milliseconds">How long the thread was busy (at least 0).</param>
    public void Consume(long milliseconds)
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _nowMs, _nowMs + Math.Max(0, milliseconds));
        }
    }

    private VirtualTimer Create(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period, bool isRunners)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state, ExecutionContext.Capture(), isRunners);
        timer.Change(dueTime, period);
        return timer;
    }

    internal static long ToMilliseconds(TimeSpan span, string name)
    {
        if (span == global::System.Threading.Timeout.InfiniteTimeSpan)
        {
            return -1;
        }

        if (span < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, span, "must be non-negative or Timeout.InfiniteTimeSpan");
        }

        return RoundMilliseconds(span.TotalMilliseconds);
    }

    /// <summary>
    /// A delay in whole milliseconds by the protocol's rule (spec/PROTOCOL.md §5): to the nearest millisecond, halves up
    /// (74.5 → 75, 0.4 → 0), on the value first rounded to a millionth of a millisecond so binary floating point cannot
    /// flip a half; negative or NaN is 0.
    /// </summary>
    /// <param name="milliseconds">The delay.</param>
    /// <returns>The whole milliseconds.</returns>
    public static long RoundMilliseconds(double milliseconds) =>
        milliseconds > 0 ? (long)Math.Floor(Math.Round(milliseconds, 6) + 0.5) : 0;

    /// <summary>Arms, re-arms or disarms <paramref name="timer"/> (a due time of -1 disarms it).</summary>
    internal bool Change(VirtualTimer timer, long dueMs, long periodMs)
    {
        lock (_gate)
        {
            if (timer.IsDisposed)
            {
                return false;
            }

            timer.Version++;
            timer.PeriodMs = periodMs > 0 ? periodMs : 0;
            timer.IsArmed = dueMs >= 0;
            if (timer.IsArmed)
            {
                Enqueue(new Entry(timer, timer.Version), _nowMs + dueMs);
            }

            return true;
        }
    }

    /// <summary>Disarms every timer, for good (the run is over): what their callbacks held is no longer reachable from here.</summary>
    public void DisarmAll()
    {
        lock (_gate)
        {
            foreach (var (entry, _) in _queue.UnorderedItems)
            {
                entry.Timer.IsArmed = false;
            }

            _queue.Clear();
        }
    }

    /// <summary>Disarms <paramref name="timer"/> for good.</summary>
    internal void Dispose(VirtualTimer timer)
    {
        lock (_gate)
        {
            timer.IsDisposed = true;
            timer.IsArmed = false;
            timer.Version++;
        }
    }

    private void Enqueue(Entry entry, long due) => _queue.Enqueue(entry, (due, _sequence++));

    private void DropStale()
    {
        while (_queue.TryPeek(out var entry, out _) && !entry.IsCurrent)
        {
            _queue.Dequeue();
        }
    }

    private readonly record struct Entry(VirtualTimer Timer, int Version)
    {
        public bool IsCurrent => Timer.Version == Version && Timer.IsArmed;
    }
}
