namespace AsyncPatterns.CircuitBreaker;

/// <summary>
/// The circuit is open (or its one trial is running): the call was refused at once and the operation was not called. Polly's
/// name; the <c>circuit-open</c> kind of spec/PROTOCOL.md §6.
/// </summary>
public sealed class BrokenCircuitException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BrokenCircuitException"/> class.</summary>
    public BrokenCircuitException()
        : base("The circuit is now open and is not allowing calls.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BrokenCircuitException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BrokenCircuitException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BrokenCircuitException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public BrokenCircuitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
