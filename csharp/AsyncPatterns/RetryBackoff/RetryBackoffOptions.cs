namespace AsyncPatterns.RetryBackoff;

/// <summary>The options of <see cref="RetryBackoffStrategy"/>: retry with exponential, capped backoff.</summary>
/// <remarks>
/// Before attempt <c>n + 1</c> the strategy waits <c>min(BaseDelay * Factor^(n - 1), MaxDelay)</c>,
/// then applies <see cref="Jitter"/> to that capped delay. The options are validated when the
/// strategy starts, and every invalid option is reported at once in one <see cref="ArgumentException"/>.
/// </remarks>
public sealed class RetryBackoffOptions
{
    /// <summary>Gets or sets how many times the operation is attempted in all, the first attempt included.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.DefaultMaxAttempts"/> (3). At least 1.</value>
    public int MaxAttempts { get; set; } = RetryBackoffConstants.DefaultMaxAttempts;

    /// <summary>Gets or sets the delay before the second attempt.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.DefaultBaseDelay"/> (1 s). Not negative.</value>
    public TimeSpan BaseDelay { get; set; } = RetryBackoffConstants.DefaultBaseDelay;

    /// <summary>Gets or sets the factor by which each delay grows over the previous one.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.DefaultFactor"/> (2). A finite number, at least 1.</value>
    public double Factor { get; set; } = RetryBackoffConstants.DefaultFactor;

    /// <summary>Gets or sets the cap on a delay, applied before the jitter.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.DefaultMaxDelay"/> (60 s). Not negative.</value>
    public TimeSpan MaxDelay { get; set; } = RetryBackoffConstants.DefaultMaxDelay;

    /// <summary>Gets or sets how the capped delay is randomised.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.DefaultJitter"/> (<see cref="RetryJitter.None"/>).</value>
    public RetryJitter Jitter { get; set; } = RetryBackoffConstants.DefaultJitter;

    /// <summary>Gets or sets the random source of the jitter: each call returns a number in [0, 1).</summary>
    /// <value>The default is <see cref="Random.Shared"/>'s <see cref="Random.NextDouble"/>.</value>
    /// <remarks>Called once per delay, in order, and only when <see cref="Jitter"/> is <see cref="RetryJitter.Proportional"/>.</remarks>
    public Func<double> Randomizer { get; set; } = Random.Shared.NextDouble;

    /// <summary>Gets or sets which failures are retried.</summary>
    /// <value>The default is <see cref="RetryBackoffConstants.IsTransientOrTimeout"/>.</value>
    /// <remarks>A cancellation (<see cref="OperationCanceledException"/>) is never retried, whatever this returns.</remarks>
    public Func<Exception, bool> ShouldRetry { get; set; } = RetryBackoffConstants.IsTransientOrTimeout;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxAttempts < RetryBackoffConstants.MinMaxAttempts)
        {
            errors.Add($"`{nameof(MaxAttempts)}` must be at least {RetryBackoffConstants.MinMaxAttempts}, got {MaxAttempts}");
        }

        CheckDelay(errors, nameof(BaseDelay), BaseDelay);
        CheckDelay(errors, nameof(MaxDelay), MaxDelay);
        if (!double.IsFinite(Factor) || Factor < RetryBackoffConstants.MinFactor)
        {
            errors.Add($"`{nameof(Factor)}` must be a finite number of at least {RetryBackoffConstants.MinFactor}, got {Factor}");
        }

        if (!Enum.IsDefined(Jitter))
        {
            errors.Add($"`{nameof(Jitter)}` must be {nameof(RetryJitter.None)} or {nameof(RetryJitter.Proportional)}, got {Jitter}");
        }

        if (Randomizer is null)
        {
            errors.Add($"`{nameof(Randomizer)}` must not be null");
        }

        if (ShouldRetry is null)
        {
            errors.Add($"`{nameof(ShouldRetry)}` must not be null");
        }

        OptionsValidation.ThrowIfAny(nameof(RetryBackoffOptions), errors);
    }

    private static void CheckDelay(List<string> errors, string name, TimeSpan delay)
    {
        if (delay < TimeSpan.Zero || delay > RetryBackoffConstants.MaxSupportedDelay)
        {
            errors.Add($"`{name}` must be between 0 and {RetryBackoffConstants.MaxSupportedDelay}, got {delay}");
        }
    }
}
