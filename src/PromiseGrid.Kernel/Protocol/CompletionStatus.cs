namespace PromiseGrid.Kernel.Protocol;

/// <summary>How a request for a completion ended (docs/architecture.md#statuses). Every status but Completed carries a reason.</summary>
public enum CompletionStatus : byte
{
    /// <summary>The provider kept its promise: the completion bytes follow.</summary>
    Completed = 0,
    /// <summary>No registered prefix matches the sequence.</summary>
    NoRoute = 1,
    /// <summary>A capability check refused the request.</summary>
    Denied = 2,
    /// <summary>The deadline passed before a completion arrived.</summary>
    BrokenPromise = 3,
    /// <summary>The module threw while completing; it keeps serving other requests.</summary>
    ModuleFailed = 4,
    /// <summary>The sequence is longer than <c>promisegrid.max-sequence-bytes</c>.</summary>
    TooLarge = 5,
    /// <summary>The grid refused the work for lack of capacity.</summary>
    Overloaded = 6,
    /// <summary>The sequence is malformed for the module it reached (say, a CID that does not parse): the requester's mistake.</summary>
    BadRequest = 7,
    /// <summary>Modules completing sequences for each other nested deeper than <c>promisegrid.max-hops</c> (say, a module calling itself).</summary>
    TooDeep = 8,
}
