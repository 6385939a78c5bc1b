using System.Collections.Immutable;
using Akka.Actor;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// Which of several providers of the matched prefix gets a request (docs/architecture.md#the-promise-ledger): one that
/// keeps its promises, a local one among equals, and now and then a worse one, so a provider
/// that has recovered earns its way back.
/// </summary>
/// <remarks>
/// <para>The rule: providers whose <see cref="PromiseRecord.Score"/> is within
/// <see cref="Tolerance"/> of the best are equals; the request goes to the first local one among
/// them (no network hop), else the first of them in route order. One request in
/// <see cref="ExploreOneIn"/> instead goes to a provider that is not among the equals, if there
/// is one: that is how a provider that broke promises gets the chance to keep some again. When
/// all providers are equals nothing is explored, so healthy providers cost no extra hops.</para>
/// <para>The choice is a pure function of the routes, their scores, this node's address and the
/// request id: the requester (<c>GridClient</c>) calls it with the same inputs to know which
/// provider a request went to. Which requests explore is decided by a Fibonacci hash of the id,
/// so ids that arrive with a stride (one prefix asked every other request) still explore at
/// the same rate.</para>
/// <para>Cost: one provider returns at once without touching the ledger; several cost a few
/// passes over the providers, reading one double each, and no allocation.</para>
/// </remarks>
internal static class ProviderChoice
{
    /// <summary>How far below the best score a provider still counts as its equal.</summary>
    public const double Tolerance = 0.05;

    /// <summary>One request in this many goes to a worse provider, when there is one.</summary>
    public const int ExploreOneIn = 16;

    // 2^64 / golden ratio: multiplying spreads consecutive or strided ids evenly over the top bits.
    private const ulong FibonacciMultiplier = 0x9E3779B97F4A7C15UL;
    private const int ExploreShift = 60; // top 4 bits: 1 in 16

    /// <summary>The provider request <paramref name="requestId"/> goes to; <paramref name="self"/> is this node's address.</summary>
    public static Route Pick(ImmutableArray<Route> providers, Address self, long requestId)
    {
        if (providers.Length == 1) return providers[0];
        var best = 0.0;
        foreach (var route in providers)
            best = Math.Max(best, ScoreOf(route));
        var floor = best - Tolerance;

        if (Explores(requestId))
        {
            var worse = 0;
            foreach (var route in providers)
                if (ScoreOf(route) < floor) worse++;
            if (worse > 0)
            {
                var which = (int)((Hash(requestId) >> 24) % (uint)worse);
                foreach (var route in providers)
                    if (ScoreOf(route) < floor && which-- == 0) return route;
            }
        }

        Route? first = null;
        foreach (var route in providers)
        {
            if (ScoreOf(route) < floor) continue;
            if (route.Node == self) return route;
            first ??= route;
        }
        // Only if every score fell between the passes (requesters record concurrently).
        return first ?? providers[0];
    }

    /// <summary>Whether request <paramref name="requestId"/> is one that tries a worse provider, if any.</summary>
    public static bool Explores(long requestId) => Hash(requestId) >> ExploreShift == 0;

    private static ulong Hash(long requestId) => unchecked((ulong)requestId * FibonacciMultiplier);

    private static double ScoreOf(Route route) => route.Promises?.Score ?? 1.0;
}
