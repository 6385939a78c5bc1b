namespace PromiseGrid.Gpt.Tests;

/// <summary>
/// Floats as their bit patterns, for tests that claim "bit for bit": comparing by value would
/// take 0 for −0 and fail on equal NaNs, so such a test could pass on different bits.
/// </summary>
internal static class FloatBits
{
    public static int[] Of(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}
