using PromiseGrid.Core.Capabilities;
using Xunit;

namespace PromiseGrid.Core.Tests.Capabilities;

internal static class Refusal
{
    /// <summary>Runs <paramref name="action"/>, asserts it throws exactly CapabilityException, returns the reason.</summary>
    public static string Of(Action action) => Assert.Throws<CapabilityException>(action).Reason;

    public static string Of(Func<object?> action) => Assert.Throws<CapabilityException>(() => { action(); }).Reason;
}
