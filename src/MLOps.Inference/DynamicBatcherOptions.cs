namespace MLOps.Inference;

/// <summary>
/// Options of a <see cref="DynamicBatcher"/>, named and defaulted after Triton's <c>dynamic_batching</c> settings.
/// </summary>
public sealed class DynamicBatcherOptions
{
    /// <summary>Gets or sets the most rows one run may stack. Default: 64. Range: 1 to 65,536.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// Gets the batch sizes (in rows) sent at once as soon as they can be formed. Empty (the default) means
    /// { <see cref="MaxBatchSize"/> }. Each must be between 1 and <see cref="MaxBatchSize"/>. As Triton advises, most
    /// models need none.
    /// </summary>
    public IList<int> PreferredBatchSizes { get; } = new List<int>();

    /// <summary>
    /// Gets or sets how long the oldest queued request may wait for more requests to fill a preferred batch.
    /// Default: <see cref="TimeSpan.Zero"/>: no waiting; a batch is formed from whatever is queued whenever an
    /// instance is free, so batches still grow under load. Raise it until the latency budget is reached.
    /// </summary>
    public TimeSpan MaxQueueDelay { get; set; }

    /// <summary>
    /// Gets or sets how many requests may wait; one more is rejected at once with <see cref="QueueFullException"/>.
    /// Default: 4,096. Range: 1 to 1,048,576.
    /// </summary>
    public int MaxQueueSize { get; set; } = 4096;

    /// <summary>
    /// Gets or sets how long a request may wait in the queue before it is removed and fails with
    /// <see cref="QueueTimeoutException"/>; a call may pass its own. Default: <see langword="null"/>, no timeout.
    /// </summary>
    public TimeSpan? DefaultQueueTimeout { get; set; }

    /// <summary>Gets or sets the number of priority levels; level 1 is served first. Default: 1.</summary>
    public int PriorityLevels { get; set; } = 1;

    /// <summary>Gets or sets the level of requests that name none. Default: 1. Range: 1 to <see cref="PriorityLevels"/>.</summary>
    public int DefaultPriorityLevel { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many batches run at the same time (Triton's instance count). Default: 1.
    /// On a CPU, more than the number of cores rarely helps; ONNX Runtime already parallelises inside a run.
    /// </summary>
    public int InstanceCount { get; set; } = 1;

    /// <summary>Checks the options; returns the problems found (empty when valid).</summary>
    /// <returns>One sentence per problem, naming the option, its value and the fix.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxBatchSize is < 1 or > 65_536)
        {
            problems.Add($"MaxBatchSize is {MaxBatchSize}; set it between 1 and 65536.");
        }

        foreach (var size in PreferredBatchSizes)
        {
            if (size < 1 || size > MaxBatchSize)
            {
                problems.Add($"PreferredBatchSizes contains {size}; each preferred size must be between 1 and MaxBatchSize ({MaxBatchSize}).");
            }
        }

        if (MaxQueueDelay < TimeSpan.Zero)
        {
            problems.Add($"MaxQueueDelay is {MaxQueueDelay}; it cannot be negative.");
        }

        if (MaxQueueSize is < 1 or > 1_048_576)
        {
            problems.Add($"MaxQueueSize is {MaxQueueSize}; set it between 1 and 1048576 (every queue is bounded).");
        }

        if (DefaultQueueTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"DefaultQueueTimeout is {timeout}; give a positive time, or null for none.");
        }

        if (PriorityLevels < 1)
        {
            problems.Add($"PriorityLevels is {PriorityLevels}; it must be at least 1.");
        }

        if (DefaultPriorityLevel < 1 || DefaultPriorityLevel > PriorityLevels)
        {
            problems.Add($"DefaultPriorityLevel is {DefaultPriorityLevel}; it must be between 1 and PriorityLevels ({PriorityLevels}).");
        }

        if (InstanceCount is < 1 or > 256)
        {
            problems.Add($"InstanceCount is {InstanceCount}; set it between 1 and 256.");
        }

        return problems;
    }
}
