namespace AsyncConf.Runner.VirtualTime;

/// <summary>
/// A timer of a <see cref="VirtualTimeProvider"/>: it fires only when the provider's clock is advanced to it. Its state
/// is guarded by the provider's lock.
/// </summary>
internal sealed class VirtualTimer : ITimer
{
    private readonly VirtualTimeProvider _provider;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private readonly ExecutionContext? _context;

    public VirtualTimer(VirtualTimeProvider provider, TimerCallback callback, object? state, ExecutionContext? context, bool isRunners)
    {
        _provider = provider;
        _callback = callback;
        _state = state;
        _context = context;
        IsRunners = isRunners;
    }

    /// <summary>Gets a value indicating whether the runner armed it (<see cref="VirtualTimeProvider.CreateRunnerTimer"/>), not the implementation.</summary>
    public bool IsRunners { get; }

    /// <summary>Gets or sets the arming count: a queue entry of an older version is stale.</summary>
    public int Version { get; set; }

    public bool IsArmed { get; set; }

    public bool IsDisposed { get; set; }

    public long PeriodMs { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period) =>
        _provider.Change(
            this,
            VirtualTimeProvider.ToMilliseconds(dueTime, nameof(dueTime)),
            VirtualTimeProvider.ToMilliseconds(period, nameof(period)));

    public void Invoke()
    {
        if (_context is null)
        {
            _callback(_state);
        }
        else
        {
            ExecutionContext.Run(_context, static timer => ((VirtualTimer)timer!).InvokeCallback(), this);
        }
    }

    public void Dispose() => _provider.Dispose(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void InvokeCallback() => _callback(_state);
}
