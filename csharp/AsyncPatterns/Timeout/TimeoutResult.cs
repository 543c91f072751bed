using System.Diagnostics.CodeAnalysis;

namespace AsyncPatterns.Timeout;

/// <summary>
/// The outcome of <see cref="TimeoutStrategy.ExecuteAsync{T}"/>: the operation's value, or no result because the limit
/// expired first. Unlike a <c>default</c> for "no result", a genuine <c>0</c>, <see langword="false"/> or
/// <see langword="null"/> from the operation is told apart from a timeout.
/// </summary>
/// <remarks><c>default(TimeoutResult&lt;T&gt;)</c> is a timeout; <see cref="TimeoutResult{T}(T)"/> holds a value.</remarks>
/// <typeparam name="T">The operation's result type.</typeparam>
public readonly struct TimeoutResult<T> : IEquatable<TimeoutResult<T>>
{
    private readonly T _value;

    /// <summary>Initializes a new instance of the <see cref="TimeoutResult{T}"/> struct: the operation completed with <paramref name="value"/>.</summary>
    /// <param name="value">The operation's value.</param>
    public TimeoutResult(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>Gets a value indicating whether the operation completed within the limit: <see cref="Value"/> holds its value.</summary>
    public bool HasValue { get; }

    /// <summary>Gets a value indicating whether the limit expired first: the operation was cancelled and there is no result.</summary>
    public bool IsTimedOut => !HasValue;

    /// <summary>Gets the operation's value.</summary>
    /// <exception cref="InvalidOperationException">The limit expired first: there is no value.</exception>
    public T Value => HasValue ? _value : throw new InvalidOperationException("The operation timed out: there is no result.");

    /// <summary>Compares two results by <see cref="HasValue"/> and value.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when both timed out, or both hold equal values.</returns>
    public static bool operator ==(TimeoutResult<T> left, TimeoutResult<T> right) => left.Equals(right);

    /// <summary>Compares two results by <see cref="HasValue"/> and value.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(TimeoutResult<T> left, TimeoutResult<T> right) => !left.Equals(right);

    /// <summary>Gets the operation's value, if it completed within the limit.</summary>
    /// <param name="value">The value; <c>default</c> when the limit expired first.</param>
    /// <returns><see langword="true"/> when the operation completed within the limit.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return HasValue;
    }

    /// <inheritdoc/>
    public bool Equals(TimeoutResult<T> other) =>
        HasValue == other.HasValue && EqualityComparer<T>.Default.Equals(_value, other._value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimeoutResult<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HasValue, _value);

    /// <inheritdoc/>
    public override string ToString() => HasValue ? $"Completed({_value})" : "TimedOut";
}
