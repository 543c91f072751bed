namespace AsyncPatterns.GracefulShutdown;

/// <summary>What <see cref="IJobService.Submit(string)"/> throws once the shutdown has begun: the job is refused, never started.</summary>
public sealed class ServiceStoppedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="ServiceStoppedException"/> class.</summary>
    public ServiceStoppedException()
        : base("The service is shutting down: the job is refused.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ServiceStoppedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ServiceStoppedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ServiceStoppedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ServiceStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
