namespace AsyncPatterns.ParallelPartialFailures;

/// <summary>
/// The result of <see cref="ParallelPartialFailuresStrategy.RunAllAsync{TItem, T}"/>: each item exactly once, either in
/// <see cref="Succeeded"/> with its value or in <see cref="Failed"/> with its exception.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
public sealed class PartialResults<TItem, T>
    where TItem : notnull
{
    /// <summary>Initializes a new instance of the <see cref="PartialResults{TItem, T}"/> class.</summary>
    /// <param name="succeeded">The items whose operation succeeded, with their values.</param>
    /// <param name="failed">The items whose operation failed, with their exceptions, unchanged.</param>
    public PartialResults(IReadOnlyDictionary<TItem, T> succeeded, IReadOnlyDictionary<TItem, Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(succeeded);
        ArgumentNullException.ThrowIfNull(failed);
        Succeeded = succeeded;
        Failed = failed;
    }

    /// <summary>Gets the items whose operation succeeded, with their values, in input order.</summary>
    public IReadOnlyDictionary<TItem, T> Succeeded { get; }

    /// <summary>Gets the items whose operation failed, with the very exceptions the operations threw, in input order.</summary>
    public IReadOnlyDictionary<TItem, Exception> Failed { get; }
}
