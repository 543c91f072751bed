// TPL Dataflow's TransformBlock as the spec's bounded concurrency, through the public seam only: the adapter translates and
// adds nothing (libraries/README.md, "The rules an adapter follows").
using System.Threading.Tasks.Dataflow;
using AsyncConf.Runner.Candidates;

var registry = new CandidateRegistry()
    .Add("bounded-concurrency", "transformblock", TransformBlockMap);
return CandidateRunner.Serve(registry);

// A TransformBlock with MaxDegreeOfParallelism = limit and the caller's token, every item posted, then completed; its outputs,
// in input order (EnsureOrdered, the default), are the values. Its delegate takes no token of the block's: the operation gets
// the caller's. A failure faults the block, which then ends with it (awaiting Completion throws it).
// Its TaskScheduler (DataflowBlockOptions.TaskScheduler) is the caller's loop, as a UI app's would be: on the default, the
// thread pool, the block's own tasks raced at a tie -- a slot freed and a failure at one instant went either way on a loaded
// machine (CI, 2026-12-02: c started, or not), and the recorded result must be the library's, not the pool's timing.
static async Task<object?> TransformBlockMap(CandidateContext ctx)
{
    var options = new ExecutionDataflowBlockOptions
    {
        MaxDegreeOfParallelism = ctx.Parameters.Count("limit"),
        CancellationToken = ctx.CancellationToken,
        TaskScheduler = TaskScheduler.FromCurrentSynchronizationContext(),
    };
    var block = new TransformBlock<string, object?>(item => ctx.Operation(item, ctx.CancellationToken), options);
    foreach (var item in ctx.Parameters.Items)
    {
        block.Post(item);
    }

    block.Complete();
    var values = new List<object?>();
    while (await block.OutputAvailableAsync())
    {
        while (block.TryReceive(out var value))
        {
            values.Add(value);
        }
    }

    await block.Completion;
    return values;
}
