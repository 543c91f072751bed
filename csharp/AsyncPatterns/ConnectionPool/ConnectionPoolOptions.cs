namespace AsyncPatterns.ConnectionPool;

/// <summary>The options of <see cref="AsyncConnectionPool{TConnection}"/>.</summary>
/// <remarks>The options are validated when the pool is built; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class ConnectionPoolOptions
{
    /// <summary>Gets or sets the most connections open or opening at once.</summary>
    /// <value>The default is <see cref="ConnectionPoolConstants.DefaultSize"/> (10). From 1 to <see cref="int.MaxValue"/>.</value>
    public int Size { get; set; } = ConnectionPoolConstants.DefaultSize;

    /// <summary>Gets or sets how long an acquire may take, the wait and the open together.</summary>
    /// <value>
    /// The default is <see cref="ConnectionPoolConstants.DefaultAcquireTimeout"/> (30 s). From 1 ms (zero would mean "expired
    /// already" to .NET and "no limit" to other APIs) to <see cref="ConnectionPoolConstants.MaxTime"/>.
    /// </value>
    public TimeSpan AcquireTimeout { get; set; } = ConnectionPoolConstants.DefaultAcquireTimeout;

    /// <summary>Gets or sets how long the pool's close waits for the borrowed connections before it cancels their holders.</summary>
    /// <value>The default is <see cref="ConnectionPoolConstants.DefaultCloseTimeout"/> (10 s). From zero to <see cref="ConnectionPoolConstants.MaxTime"/>.</value>
    public TimeSpan CloseTimeout { get; set; } = ConnectionPoolConstants.DefaultCloseTimeout;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Size < 1)
        {
            errors.Add($"`{nameof(Size)}` must be from 1 to {int.MaxValue}, got {Size}");
        }

        if (AcquireTimeout < TimeSpan.FromMilliseconds(1) || AcquireTimeout > ConnectionPoolConstants.MaxTime)
        {
            errors.Add($"`{nameof(AcquireTimeout)}` must be from 1 ms to {ConnectionPoolConstants.MaxTime}, got {AcquireTimeout}");
        }

        if (CloseTimeout < TimeSpan.Zero || CloseTimeout > ConnectionPoolConstants.MaxTime)
        {
            errors.Add($"`{nameof(CloseTimeout)}` must be from {TimeSpan.Zero} to {ConnectionPoolConstants.MaxTime}, got {CloseTimeout}");
        }

        OptionsValidation.ThrowIfAny(nameof(ConnectionPoolOptions), errors);
    }
}
