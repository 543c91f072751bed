using AsyncConf.Runner;

namespace AsyncPatterns.Tests.Runner;

public class ApiCheckerTests
{
    [Theory]
    [InlineData("System.IAsyncDisposable")]
    [InlineData("System.AggregateException")]
    [InlineData("System.Net.Http.HttpRequestException")]
    [InlineData("System.Threading.Channels.Channel")]
    [InlineData("System.Threading.Channels.Channel.CreateBounded<T>(int)")]
    [InlineData("System.Threading.Tasks.Task.Delay(TimeSpan, TimeProvider, CancellationToken)")]
    [InlineData("System.Threading.Tasks.Task.Delay(System.TimeSpan, System.TimeProvider, System.Threading.CancellationToken)")]
    [InlineData("System.Threading.Tasks.Task.WhenAll(IEnumerable<Task>)")]
    [InlineData("System.Threading.Tasks.Task.WhenAll<TResult>(IEnumerable<Task<TResult>>)")]
    [InlineData("System.Threading.Tasks.Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)")]
    [InlineData("System.Threading.CancellationTokenSource(TimeSpan, TimeProvider)")]
    [InlineData("System.Threading.CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, CancellationToken)")]
    [InlineData("System.Threading.CancellationTokenSource.CancelAsync")]
    [InlineData("System.Threading.SemaphoreSlim.WaitAsync(CancellationToken)")]
    [InlineData("System.Threading.ThreadPool.PendingWorkItemCount")]
    [InlineData("System.Threading.Tasks.ConfigureAwaitOptions.SuppressThrowing")]
    [InlineData("System.Threading.PeriodicTimer(TimeSpan, TimeProvider)")]
    [InlineData("System.Threading.Tasks.Parallel.ForEachAsync<TSource>(IEnumerable<TSource>, CancellationToken, Func<TSource, CancellationToken, ValueTask>)")]
    [InlineData("System.Environment.SpecialFolder")]
    [InlineData("System.Int32.Parse(string)")]
    [InlineData("System.Int32.Parse(String)")]
    [InlineData("System.Array.Empty<T>()")]
    [InlineData("System.Text.Json.JsonSerializer.Serialize<TValue>(TValue, JsonSerializerOptions?)")]
    public void Exists_RealApi_IsFound(string name) => Assert.True(ApiChecker.Exists(name), name);

    [Theory]
    [InlineData("System.Nope")]
    [InlineData("System.Threading.Tasks.Task.Teleport")]
    [InlineData("System.Threading.Tasks.Task.Delay(int, int)")]
    [InlineData("System.Threading.Tasks.Task.Delay(TimeSpan, TimeProvider, CancellationToken, bool)")]
    [InlineData("System.Threading.CancellationTokenSource(string)")]
    [InlineData("System.Threading.Tasks.Task.Delay(TimeSpan")]
    [InlineData("")]
    public void Exists_MadeUpApi_IsMissing(string name) => Assert.False(ApiChecker.Exists(name), name);
}
