namespace AsyncPatterns;

/// <summary>Reports every invalid option of an options object at once.</summary>
internal static class OptionsValidation
{
    /// <summary>Throws one <see cref="ArgumentException"/> listing <paramref name="errors"/>, if there are any.</summary>
    /// <param name="optionsType">The options type's name, for the message.</param>
    /// <param name="errors">One message per invalid option, each naming the option.</param>
    public static void ThrowIfAny(string optionsType, IReadOnlyCollection<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid {optionsType}: {string.Join("; ", errors)}.", "options");
        }
    }
}
