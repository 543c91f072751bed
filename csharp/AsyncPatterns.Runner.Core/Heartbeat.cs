namespace AsyncConf.Runner;

/// <summary>
/// The runner's heartbeat on the loop (spec/PROTOCOL.md §5, "Blocking work"): a timer every <c>heartbeat_ms</c> after the
/// last beat, recording <c>beat</c> with how late it fired. A loop blocked by the pattern makes the beats late.
/// </summary>
internal sealed class Heartbeat
{
    private readonly Instruments _instruments;
    private readonly long _periodMs;
    private readonly object _gate = new();
    private IDisposable? _timer;
    private long _dueMs;
    private int _n;

    public Heartbeat(Instruments instruments, long periodMs)
    {
        _instruments = instruments;
        _periodMs = periodMs;
        Arm();
    }

    /// <summary><paramref name="pattern"/>, with the heartbeat stopped the moment it settles, before anyone sees it.</summary>
    public async Task<T> Around<T>(Task<T> pattern)
    {
        try
        {
            return await pattern.ConfigureAwait(false);
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>Stops beating. A beat overdue now — due, but the loop never got to it — counts with its lag.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_timer is null)
            {
                return;
            }

            var now = _instruments.Clock.NowMs;
            if (now > _dueMs)
            {
                _instruments.RecordBeat(_n + 1, now - _dueMs);
            }

            _timer.Dispose();
            _timer = null;
        }
    }

    private void Arm()
    {
        _dueMs = _instruments.Clock.NowMs + _periodMs;
        _timer = _instruments.Clock.After(_periodMs, Beat);
    }

    private void Beat()
    {
        lock (_gate)
        {
            if (_timer is null)
            {
                return;
            }

            _n++;
            _instruments.RecordBeat(_n, Math.Max(0, _instruments.Clock.NowMs - _dueMs));
            _timer.Dispose();
            Arm();
        }
    }
}
