using System.Diagnostics;
using System.Text.Json;
using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.Timeout;
using Polly;
using Polly.Retry;

// The C# side of `asyncconf bench --peers` (harness/asyncconf/peers/__init__.py): each reference against its peers, on
// the real clock, one JSON object per measurement on stdout. `--quick` for a smoke run.
var quick = args.Contains("--quick");
var repeats = quick ? 1 : 3;
const int Limit = 100;
var options = new BoundedConcurrencyOptions { Limit = Limit };

var bounded = new Dictionary<string, Func<int[], Task>>
{
    ["reference"] = items => BoundedConcurrencyStrategy.MapAsync(Step, items, options),
    ["Parallel.ForEachAsync"] = async items =>
    {
        var results = new int[items.Length];
        await Parallel.ForEachAsync(
            items,
            new ParallelOptions { MaxDegreeOfParallelism = Limit },
            async (item, ct) => results[item] = await Step(item, ct).ConfigureAwait(false)).ConfigureAwait(false);
    },
    ["SemaphoreSlim + Task.WhenAll"] = async items =>
    {
        using var slots = new SemaphoreSlim(Limit, Limit);
        await Task.WhenAll(items.Select(async item =>
        {
            await slots.WaitAsync().ConfigureAwait(false);
            try
            {
                return await Step(item, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
    },
};

// Not peers: yardsticks shown beside them (excluded from "best peer").
var yardsticks = new HashSet<string> { "Task.WaitAsync (leaves it running)" };

foreach (var impl in bounded.Values)
{
    await impl(Enumerable.Range(0, 1_000).ToArray()); // warm-up: JIT and thread pool
}

foreach (var size in quick ? new[] { 1_000, 10_000 } : [10_000, 100_000])
{
    var items = Enumerable.Range(0, size).ToArray();
    var samples = bounded.Keys.ToDictionary(name => name, _ => new List<double>());
    for (var round = 0; round < repeats; round++)
    {
        foreach (var (name, impl) in bounded)
        {
            samples[name].Add(await TimeAsync(() => impl(items)));
        }
    }

    foreach (var (name, walls) in samples)
    {
        var wall = walls.Min(); // best of the repeats, as timeit: noise only ever adds time
        Emit(new { bench = "bounded-concurrency", impl = name, n = size, per_item_us = wall / size * 1e6, per_s = size / wall });
    }
}

var calls = quick ? 2_000 : 50_000;
var retryOptions = new RetryBackoffOptions();
var pollyRetry = new ResiliencePipelineBuilder()
    .AddRetry(new RetryStrategyOptions
    {
        ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
        MaxRetryAttempts = 2,
        BackoffType = DelayBackoffType.Exponential,
        Delay = TimeSpan.FromSeconds(1),
    })
    .Build();
await OverheadAsync("retry", new Dictionary<string, Func<Task>>
{
    ["reference"] = () => RetryBackoffStrategy.ExecuteAsync(Succeed, retryOptions),
    ["Polly retry"] = () => pollyRetry.ExecuteAsync(static ct => ValueTask.FromResult(1), CancellationToken.None).AsTask(),
});

var timeoutOptions = new TimeoutOptions { Timeout = TimeSpan.FromSeconds(60) };
var pollyTimeout = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(60)).Build();
using var shutdown = new CancellationTokenSource(); // one long-lived caller token, as a server's
var timeouts = new Dictionary<string, Func<CancellationToken, Task>>
{
    ["reference"] = token => TimeoutStrategy.ExecuteAsync(Listening, timeoutOptions, null, token),
    ["Polly timeout"] = token => pollyTimeout.ExecuteAsync(static async ct => await Listening(ct).ConfigureAwait(false), token).AsTask(),
    ["Task.WaitAsync (leaves it running)"] = token => Listening(token).WaitAsync(TimeSpan.FromSeconds(60), token),
};
await OverheadAsync("timeout", timeouts.ToDictionary(pair => pair.Key, pair => (Func<Task>)(() => pair.Value(shutdown.Token))));

foreach (var (name, call) in timeouts)
{
    using var held = new CancellationTokenSource(); // a fresh long-lived caller token for each
    var before = GC.GetTotalMemory(forceFullCollection: true);
    for (var i = 0; i < calls; i++)
    {
        await call(held.Token).ConfigureAwait(false);
    }

    var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
    Emit(new { bench = "timeout-memory", impl = name, n = calls, retained_bytes = Math.Max(retained, 0), yardstick = yardsticks.Contains(name) });
}

Emit(new { bench = "runtime", impl = $".NET {Environment.Version}" });

async Task OverheadAsync(string bench, Dictionary<string, Func<Task>> impls)
{
    foreach (var call in impls.Values)
    {
        for (var i = 0; i < 1_000; i++)
        {
            await call().ConfigureAwait(false); // warm-up
        }
    }

    var samples = impls.Keys.ToDictionary(name => name, _ => new List<double>());
    for (var round = 0; round < repeats; round++)
    {
        foreach (var (name, call) in impls)
        {
            samples[name].Add(await TimeAsync(async () =>
            {
                for (var i = 0; i < calls; i++)
                {
                    await call().ConfigureAwait(false);
                }
            }));
        }
    }

    foreach (var (name, walls) in samples)
    {
        var wall = walls.Min(); // best of the repeats, as timeit: noise only ever adds time
        Emit(new { bench, impl = name, n = calls, per_call_us = wall / calls * 1e6, per_s = calls / wall, yardstick = yardsticks.Contains(name) });
    }
}

static async Task<double> TimeAsync(Func<Task> run)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var started = Stopwatch.GetTimestamp();
    await run().ConfigureAwait(false);
    return Stopwatch.GetElapsedTime(started).TotalSeconds;
}

static void Emit(object row)
{
    var json = JsonSerializer.SerializeToNode(row)!.AsObject();
    json.Insert(0, "lang", "csharp");
    Console.WriteLine(json.ToJsonString());
}

// One turn of the thread pool, as real I/O takes at least.
static async Task<int> Step(int item, CancellationToken cancellationToken)
{
    await Task.Yield();
    return item;
}

static Task<int> Succeed(CancellationToken cancellationToken) => Task.FromResult(1);

// Listens on its token while it runs, as HttpClient does.
static async Task<int> Listening(CancellationToken cancellationToken)
{
    using var registration = cancellationToken.Register(static () => { });
    await Task.Yield();
    return 1;
}
