// Nito.AsyncEx.Coordination's AsyncLock as the spec's async lock, through the public seam only: the adapter adds nothing
// but the counter the lock guards, the pattern's shared state (libraries/README.md, "The rules an adapter follows"; the
// anyio Lock adapter does the same in Python).
using AsyncConf.Runner.Candidates;
using Nito.AsyncEx;

var registry = new CandidateRegistry()
    .Add("async-lock", "nito-asynclock", CreateGuardedCounter);
return CandidateRunner.Serve(registry);

// The reference's shape (GuardedCounter): one lock and one counter per run (the create step), each invocation reading the
// counter, awaiting its operation and writing the value read + 1 while it holds the lock, taken with the caller's token.
static CandidateInvoke CreateGuardedCounter(CandidateContext ctx)
{
    var mutex = new AsyncLock();
    var count = 0;
    return async (operation, cancellationToken) =>
    {
        using (await mutex.LockAsync(cancellationToken))
        {
            var read = count;
            await operation(cancellationToken);
            count = read + 1;
            return count;
        }
    };
}
