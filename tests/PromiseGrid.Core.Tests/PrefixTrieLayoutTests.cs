using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace PromiseGrid.Core.Tests;

/// <summary>
/// The trie's record layout has two ways to find a child: a short list of child bytes (up to
/// 32 children, searched with one vector compare) and a 256-entry table (more children). The
/// property tests in <see cref="PrefixTrieTests"/> use a five-byte alphabet, so they never
/// build a wide node; these tests cover every byte value, both sides of the threshold, and
/// labels far longer than a cache line, against <see cref="NaivePrefixIndex{T}"/>.
/// </summary>
public class PrefixTrieLayoutTests
{
    private static Gen<byte> AnyByte => Gen.Choose(0, 255).Select(i => (byte)i);

    /// <summary>A few "hot" bytes, so that wide nodes also appear below the root.</summary>
    private static Gen<byte> HotByte => Gen.Elements<byte>(0, 0x41, 0x80, 0xff);

    private static Gen<byte> MixedByte => Gen.Frequency((3, AnyByte), (2, HotByte));

    private static Gen<byte[]> BytesGen(int min, int max) => Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(MixedByte, n));

    public sealed record WideCase((byte[] Prefix, int Value)[] Adds, byte[][] Inputs)
    {
        public override string ToString() =>
            $"Adds [{string.Join(", ", Adds.Select(a => $"\"{SequenceText.Format(a.Prefix)}\"->{a.Value}"))}]; " +
            $"Inputs [{string.Join(", ", Inputs.Select(i => $"\"{SequenceText.Format(i)}\""))}]";
    }

    private static Arbitrary<WideCase> WideCases()
    {
        var gen =
            from adds in Gen.Choose(0, 400).SelectMany(n => Gen.ArrayOf(BytesGen(0, 6).SelectMany(p => Gen.Choose(0, 2).Select(v => (p, v))), n))
            from inputs in Gen.Choose(10, 60).SelectMany(n => Gen.ArrayOf(InputGen(adds), n))
            select new WideCase(adds, inputs);
        return Arb.From(gen);
    }

    /// <summary>A registered prefix, one with a tail, one with a byte changed, or random bytes.</summary>
    private static Gen<byte[]> InputGen((byte[] Prefix, int Value)[] adds)
    {
        var random = BytesGen(0, 9);
        if (adds.Length == 0) return random;
        var prefix = Gen.Elements(adds.Select(a => a.Prefix).ToArray());
        var extended = prefix.SelectMany(p => BytesGen(1, 4).Select(t => p.Concat(t).ToArray()));
        var bent = extended.SelectMany(p => Gen.Choose(0, p.Length - 1).SelectMany(i => AnyByte.Select(b =>
        {
            var copy = (byte[])p.Clone();
            copy[i] = b;
            return copy;
        })));
        return Gen.Frequency((2, prefix), (3, extended), (3, bent), (2, random));
    }

    [Property(MaxTest = 200)]
    public Property Wide_nodes_answer_like_the_reference()
    {
        return Prop.ForAll(WideCases(), c =>
        {
            var builder = new PrefixTrieBuilder<int>();
            var naive = new NaivePrefixIndex<int>();
            foreach (var (prefix, value) in c.Adds)
                Assert.Equal(naive.Add(prefix, value), builder.Add(new Sequence(prefix), value));
            var trie = builder.Build();
            AssertSameAsReference(naive, trie, c.Inputs.Concat(c.Adds.Select(a => a.Prefix)).Append([]));
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(34)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(255)]
    [InlineData(256)]
    public void Every_child_count_finds_each_child_and_nothing_else(int children)
    {
        // 'children' distinct bytes, in random order, as the next byte after the root, after a
        // one-byte label ("p") and after a longer one ("q/long/"), each child with a tail label.
        var random = new Random(children);
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).OrderBy(_ => random.Next()).Take(children).ToArray();
        var builder = new PrefixTrieBuilder<int>();
        var naive = new NaivePrefixIndex<int>();
        var value = 0;
        foreach (var b in bytes)
        {
            foreach (byte[] prefix in (byte[][])[[b], [(byte)'p', b], [.. "q/long/"u8, b, .. "tail"u8]])
            {
                Assert.True(builder.Add(new Sequence(prefix), value));
                naive.Add(prefix, value++);
            }
        }
        var trie = builder.Build();

        var inputs = new List<byte[]>();
        for (var x = 0; x < 256; x++)
        {
            var b = (byte)x;
            inputs.Add([b]);
            inputs.Add([b, 0xff]);
            inputs.Add([(byte)'p', b]);
            inputs.Add([(byte)'p', b, 0x00]);
            inputs.Add([.. "q/long/"u8, b]);
            inputs.Add([.. "q/long/"u8, b, .. "tai"u8]);
            inputs.Add([.. "q/long/"u8, b, .. "tail"u8]);
            inputs.Add([.. "q/long/"u8, b, .. "tailz"u8]);
            inputs.Add([.. "q/long/"u8, b, .. "taiL"u8]);
        }
        AssertSameAsReference(naive, trie, inputs);
    }

    [Fact]
    public void Labels_much_longer_than_a_cache_line_are_compared_to_the_last_byte()
    {
        var random = new Random(7);
        var longest = new byte[70_000];
        random.NextBytes(longest);
        var builder = new PrefixTrieBuilder<string>();
        var naive = new NaivePrefixIndex<string>();
        foreach (var (length, name) in new[] { (1, "one"), (300, "mid"), (70_000, "long") })
        {
            builder.Add(new Sequence(longest[..length]), name);
            naive.Add(longest[..length], name);
        }
        var trie = builder.Build();

        byte[] Bent(int length, int at)
        {
            var copy = longest[..length];
            copy[at] ^= 0x01;
            return copy;
        }
        byte[][] inputs =
        [
            longest, [.. longest, 1, 2, 3], longest[..69_999], Bent(70_000, 69_999), Bent(70_000, 1_000),
            Bent(70_000, 300), Bent(70_000, 299), longest[..300], longest[..299], Bent(300, 1), Bent(300, 0),
        ];
        // The reference's AllMatches copies every cut of the input; at 70,000 bytes that takes
        // seconds, so MatchAll is checked by hand here.
        AssertSameAsReference(naive, trie, inputs, checkMatchAll: false);
        Assert.Equal(new[] { 70_000, 300, 1 }, trie.MatchAll([.. longest, 9]).Select(m => m.Length).ToArray());
        Assert.Equal(new[] { 300, 1 }, trie.MatchAll(Bent(70_000, 50_000)).Select(m => m.Length).ToArray());
        Assert.Equal(70_000, trie.TryMatch(longest, out var match) ? match.Length : -1);
        Assert.Equal(300, trie.TryMatch(Bent(70_000, 69_999), out match) ? match.Length : -1);
    }

    private static void AssertSameAsReference<T>(NaivePrefixIndex<T> naive, PrefixTrie<T> trie, IEnumerable<byte[]> inputs, bool checkMatchAll = true)
    {
        foreach (var input in inputs)
        {
            var expected = naive.Longest(input);
            var found = trie.TryMatch(input, out var match);
            Assert.True(expected.HasValue == found,
                $"TryMatch(\"{SequenceText.Format(input)}\") returned {found}, reference says {expected.HasValue}");
            if (expected is { } e)
            {
                Assert.Equal(e.Length, match.Length);
                Assert.Equal(Sorted(e.Values), Sorted(match.Values));
            }

            if (checkMatchAll)
            {
                var all = trie.MatchAll(input);
                var expectedAll = naive.AllMatches(input);
                Assert.Equal(expectedAll.Select(m => m.Length).ToArray(), all.Select(m => m.Length).ToArray());
                for (var i = 0; i < expectedAll.Count; i++)
                    Assert.Equal(Sorted(expectedAll[i].Values), Sorted(all[i].Values));
            }

            Assert.Equal(Sorted(naive.ValuesOf(input)), Sorted(trie.ValuesOf(input)));
        }

        var entries = trie.Entries.ToList();
        var expectedEntries = naive.Entries();
        Assert.Equal(expectedEntries.Select(x => Convert.ToHexString(x.Prefix)).ToArray(),
            entries.Select(x => Convert.ToHexString(x.Key.Span)).ToArray());
        for (var i = 0; i < expectedEntries.Count; i++)
            Assert.Equal(Sorted(expectedEntries[i].Values), Sorted(entries[i].Value));
        Assert.Equal(expectedEntries.Count, trie.PrefixCount);
        Assert.InRange(trie.NodeCount, 1, 2 * trie.PrefixCount + 1);
    }

    private static T[] Sorted<T>(IEnumerable<T> values) => values.Order().ToArray();
}
