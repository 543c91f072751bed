// The virtual-time loop reads process-wide thread-pool counters: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
