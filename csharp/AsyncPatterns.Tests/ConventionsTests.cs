using System.Reflection;
using System.Runtime.CompilerServices;
using AsyncPatterns.AntiPatterns;

namespace AsyncPatterns.Tests;

public class ConventionsTests
{
    [Fact]
    public void EveryAsyncMethod_TakesACancellationToken()
    {
        var offenders = typeof(AntiPatternRegistry).Assembly.GetTypes()
            .Where(type => !type.IsSubclassOf(typeof(Delegate))) // the *Implementation delegates' Invoke/EndInvoke
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(method => method.GetCustomAttribute<AsyncStateMachineAttribute>() is not null || IsAwaitable(method.ReturnType))
            .Where(method => !method.Name.Contains("b__", StringComparison.Ordinal)) // lambdas
            .Where(method => method.GetParameters().All(p => p.ParameterType != typeof(CancellationToken)))
            .Select(method => $"{method.DeclaringType!.Name}.{method.Name}")
            .ToList();

        // The exceptions: IAsyncDisposable.DisposeAsync takes none by contract, and an anti-pattern on purpose:
        // cleanup-not-awaited's fire-and-forget `async void`.
        Assert.Equal(["BackgroundTaskTracker.DisposeAsync", "CancellationCleanupAntiPatterns.CloseInBackground"], offenders);
    }

    private static bool IsAwaitable(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask) ||
        (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)));
}
