using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace PromiseGrid.Core.Tests;

public class PrefixTrieTests
{
    // ================================================================================
    // Property tests against NaivePrefixIndex
    // ================================================================================

    /// <summary>
    /// A small alphabet makes prefixes share paths, nest inside each other and split compressed
    /// edges in the middle; 0 and 255 check the unsigned order of the children.
    /// </summary>
    private static readonly byte[] Alphabet = [0, 1, 2, 255, (byte)'a'];

    /// <summary>One generated scenario: pairs to add, pairs to remove, a bulk removal, inputs to look up.</summary>
    public sealed record TrieCase(
        (byte[] Prefix, int Value)[] Adds,
        (byte[] Prefix, int Value)[] Removes,
        int RemoveValue,
        int RemoveLength,
        byte[][] Inputs)
    {
        public override string ToString() =>
            $"Adds [{string.Join(", ", Adds.Select(Show))}]; Removes [{string.Join(", ", Removes.Select(Show))}]; " +
            $"RemoveWhere(value == {RemoveValue} || length == {RemoveLength}); " +
            $"Inputs [{string.Join(", ", Inputs.Select(i => $"\"{SequenceText.Format(i)}\""))}]";

        private static string Show((byte[] Prefix, int Value) pair) => $"\"{SequenceText.Format(pair.Prefix)}\"->{pair.Value}";
    }

    private static Gen<byte> AlphabetByte => Gen.Elements(Alphabet);

    /// <summary>Mostly short prefixes; the empty prefix now and then, not in every case.</summary>
    private static Gen<byte[]> PrefixGen =>
        Gen.Frequency(
                (1, Gen.Constant(0)),
                (6, Gen.Choose(1, 3)),
                (3, Gen.Choose(4, 7)))
            .SelectMany(n => Gen.ArrayOf(AlphabetByte, n));

    /// <summary>Few distinct values, so several values per prefix and exact duplicate pairs are common.</summary>
    private static Gen<int> ValueGen => Gen.Choose(0, 3);

    private static Gen<(byte[] Prefix, int Value)> PairGen =>
        PrefixGen.SelectMany(p => ValueGen.Select(v => (p, v)));

    /// <summary>Inputs near the registered prefixes: a prefix, a prefix plus a tail, a cut-off prefix, or random.</summary>
    private static Gen<byte[]> InputGen((byte[] Prefix, int Value)[] adds)
    {
        var random = Gen.Choose(0, 9).SelectMany(n => Gen.ArrayOf(AlphabetByte, n));
        if (adds.Length == 0) return random;
        var prefix = Gen.Elements(adds.Select(a => a.Prefix).ToArray());
        var extended = prefix.SelectMany(p => Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(AlphabetByte, n)).Select(t => p.Concat(t).ToArray()));
        var truncated = prefix.SelectMany(p => Gen.Choose(0, p.Length).Select(n => p[..n]));
        var bentInMiddle = extended.SelectMany(p => Gen.Choose(0, p.Length - 1).SelectMany(i => AlphabetByte.Select(b =>
        {
            var copy = (byte[])p.Clone();
            copy[i] = b;
            return copy;
        })));
        return Gen.Frequency((2, prefix), (3, extended), (1, truncated), (2, bentInMiddle), (2, random));
    }

    private static Arbitrary<TrieCase> Cases()
    {
        var gen =
            from adds in Gen.Sized(size => Gen.Choose(0, Math.Max(1, size / 2))).SelectMany(n => Gen.ArrayOf(PairGen, n))
            from removes in Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(RemoveGen(adds), n))
            from removeValue in Gen.Frequency((2, Gen.Constant(-1)), (1, ValueGen))
            from removeLength in Gen.Frequency((2, Gen.Constant(-1)), (1, Gen.Choose(0, 4)))
            from inputs in Gen.Choose(5, 25).SelectMany(n => Gen.ArrayOf(InputGen(adds), n))
            select new TrieCase(adds, removes, removeValue, removeLength, inputs);
        return Arb.From(gen, Shrink);
    }

    /// <summary>Removals of pairs that were added (with a value that may or may not be there) and of random pairs.</summary>
    private static Gen<(byte[] Prefix, int Value)> RemoveGen((byte[] Prefix, int Value)[] adds)
    {
        if (adds.Length == 0) return PairGen;
        var added = Gen.Elements(adds);
        var addedPrefixOtherValue = Gen.Elements(adds).SelectMany(a => ValueGen.Select(v => (a.Prefix, v)));
        return Gen.Frequency((4, added), (2, addedPrefixOtherValue), (1, PairGen));
    }

    /// <summary>Shrinks a failing case by dropping one add, remove or input at a time, and the bulk removal.</summary>
    private static IEnumerable<TrieCase> Shrink(TrieCase c)
    {
        if (c.RemoveValue >= 0) yield return c with { RemoveValue = -1 };
        if (c.RemoveLength >= 0) yield return c with { RemoveLength = -1 };
        for (var i = 0; i < c.Adds.Length; i++) yield return c with { Adds = Without(c.Adds, i) };
        for (var i = 0; i < c.Removes.Length; i++) yield return c with { Removes = Without(c.Removes, i) };
        for (var i = 0; i < c.Inputs.Length; i++) yield return c with { Inputs = Without(c.Inputs, i) };
    }

    private static T[] Without<T>(T[] items, int index) => [.. items[..index], .. items[(index + 1)..]];

    /// <summary>Runs the case's operations on a builder and on the reference, checking every return value.</summary>
    private static (PrefixTrieBuilder<int> Builder, NaivePrefixIndex<int> Naive) Apply(TrieCase c)
    {
        var builder = new PrefixTrieBuilder<int>();
        var naive = new NaivePrefixIndex<int>();
        foreach (var (prefix, value) in c.Adds)
            Assert.Equal(naive.Add(prefix, value), builder.Add(new Sequence(prefix), value));
        Assert.Equal(naive.PrefixCount, builder.PrefixCount);
        foreach (var (prefix, value) in c.Removes)
            Assert.Equal(naive.Remove(prefix, value), builder.Remove(new Sequence(prefix), value));
        Assert.Equal(naive.PrefixCount, builder.PrefixCount);
        if (c.RemoveValue >= 0 || c.RemoveLength >= 0)
        {
            var removed = builder.RemoveWhere((p, v) => v == c.RemoveValue || p.Length == c.RemoveLength);
            var naiveRemoved = naive.RemoveWhere((p, v) => v == c.RemoveValue || p.Length == c.RemoveLength);
            Assert.Equal(naiveRemoved, removed);
        }
        Assert.Equal(naive.PrefixCount, builder.PrefixCount);
        return (builder, naive);
    }

    private static int[] Sorted(IEnumerable<int> values) => values.Order().ToArray();

    private static string Show(byte[] bytes) => SequenceText.Format(bytes);

    /// <summary>Every query the test asks: the inputs, the registered prefixes, and the empty input.</summary>
    private static IEnumerable<byte[]> Queries(TrieCase c) =>
        c.Inputs.Concat(c.Adds.Select(a => a.Prefix)).Concat(c.Removes.Select(r => r.Prefix)).Append([]);

    private static void AssertSameMatch(NaivePrefixIndex<int> naive, PrefixTrie<int> trie, byte[] input)
    {
        var expected = naive.Longest(input);
        var found = trie.TryMatch(input, out var match);
        Assert.True(expected.HasValue == found,
            $"TryMatch(\"{Show(input)}\") returned {found}, reference says {expected.HasValue}");
        if (expected is not { } e) return;
        Assert.True(e.Length == match.Length,
            $"TryMatch(\"{Show(input)}\") matched {match.Length} bytes, reference {e.Length}");
        Assert.Equal(Sorted(e.Values), Sorted(match.Values));
    }

    [Property]
    public Property TryMatch_finds_the_longest_prefix_with_its_values()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();
            foreach (var input in Queries(c))
                AssertSameMatch(naive, trie, input);
        });
    }

    [Property]
    public Property MatchAll_finds_every_matching_prefix_longest_first()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();
            foreach (var input in Queries(c))
            {
                var expected = naive.AllMatches(input);
                var actual = trie.MatchAll(input);
                Assert.Equal(expected.Select(m => m.Length).ToArray(), actual.Select(m => m.Length).ToArray());
                for (var i = 0; i < expected.Count; i++)
                    Assert.Equal(Sorted(expected[i].Values), Sorted(actual[i].Values));
                // The first of all matches is the longest match.
                if (trie.TryMatch(input, out var longest))
                    Assert.Equal(longest.Length, actual[0].Length);
                else
                    Assert.Empty(actual);
            }
        });
    }

    [Property]
    public Property ValuesOf_gives_exactly_the_values_of_that_prefix()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();
            foreach (var query in Queries(c))
                Assert.Equal(Sorted(naive.ValuesOf(query)), Sorted(trie.ValuesOf(query)));
        });
    }

    [Property]
    public Property Entries_are_complete_and_sorted_and_counts_agree()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();

            var expected = naive.Entries();
            var actual = trie.Entries.ToList();
            Assert.Equal(expected.Select(e => Show(e.Prefix)).ToArray(), actual.Select(e => e.Key.ToString()).ToArray());
            for (var i = 0; i < expected.Count; i++)
                Assert.Equal(Sorted(expected[i].Values), Sorted(actual[i].Value));

            Assert.Equal(naive.PrefixCount, trie.PrefixCount);
            Assert.Equal(naive.ValueCount, trie.ValueCount);
            Assert.Equal(trie.ValueCount, actual.Sum(e => e.Value.Length));
        });
    }

    /// <summary>
    /// WithAdded, in two steps (so one layer is added onto another): the case's removals are
    /// taken as pairs to add on top of the built trie, some under prefixes already there, some
    /// equal to pairs already there. Every lookup, the entries and the counts must be those of
    /// the reference with all pairs added.
    /// </summary>
    [Property]
    public Property WithAdded_answers_as_if_every_pair_had_been_laid_out()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();
            var half = c.Removes.Length / 2;
            foreach (var step in new[] { c.Removes[..half], c.Removes[half..] })
            {
                foreach (var (prefix, value) in step) naive.Add(prefix, value);
                trie = trie.WithAdded(step.Select(p => KeyValuePair.Create(new Sequence(p.Prefix), p.Value)));
            }

            foreach (var input in Queries(c))
            {
                AssertSameMatch(naive, trie, input);
                Assert.Equal(Sorted(naive.ValuesOf(input)), Sorted(trie.ValuesOf(input)));
                var expected = naive.AllMatches(input);
                var actual = trie.MatchAll(input);
                Assert.Equal(expected.Select(m => m.Length).ToArray(), actual.Select(m => m.Length).ToArray());
                for (var i = 0; i < expected.Count; i++)
                    Assert.Equal(Sorted(expected[i].Values), Sorted(actual[i].Values));
            }
            var entries = trie.Entries.ToList();
            Assert.Equal(naive.Entries().Select(e => Show(e.Prefix)).ToArray(), entries.Select(e => e.Key.ToString()).ToArray());
            Assert.Equal(naive.PrefixCount, trie.PrefixCount);
            Assert.Equal(naive.ValueCount, trie.ValueCount);
            Assert.Equal(naive.ValueCount, trie.ToBuilder().Build().ValueCount);
        });
    }

    [Property]
    public Property The_trie_is_path_compressed()
    {
        // Every node but the root carries values or branches, so there are at most
        // 2 * prefixes + 1 nodes however long the prefixes are.
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, _) = Apply(c);
            var trie = builder.Build();
            Assert.InRange(trie.NodeCount, 1, 2 * trie.PrefixCount + 1);
        });
    }

    [Property]
    public Property ToBuilder_round_trips_and_derives_a_separate_snapshot()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();

            var derivedBuilder = trie.ToBuilder();
            Assert.Equal(trie.PrefixCount, derivedBuilder.PrefixCount);
            var again = derivedBuilder.Build();
            AssertSameEntries(trie, again);
            foreach (var input in Queries(c))
                AssertSameMatch(naive, again, input);

            // Changing the derived builder changes neither the original trie nor the rebuilt one.
            derivedBuilder.Add(new Sequence([1, 2]), 99);
            derivedBuilder.RemoveWhere((_, v) => v != 99);
            var derived = derivedBuilder.Build();
            Assert.Equal(1, derived.ValueCount);
            Assert.Equal(naive.ValueCount, trie.ValueCount);
            Assert.Equal(naive.ValueCount, again.ValueCount);
            foreach (var input in Queries(c))
                AssertSameMatch(naive, trie, input);
        });
    }

    [Property]
    public Property A_built_trie_is_a_snapshot_unaffected_by_later_builder_changes()
    {
        return Prop.ForAll(Cases(), c =>
        {
            var (builder, naive) = Apply(c);
            var trie = builder.Build();

            builder.Add(new Sequence([2, 2]), 77);
            foreach (var (prefix, value) in c.Adds) builder.Remove(new Sequence(prefix), value);
            builder.Add(new Sequence([]), 78);
            _ = builder.Build();

            Assert.Equal(naive.ValueCount, trie.ValueCount);
            foreach (var input in Queries(c))
                AssertSameMatch(naive, trie, input);

            builder.Clear();
            Assert.Equal(0, builder.PrefixCount);
            Assert.Equal(0, builder.Build().ValueCount);
            Assert.Equal(naive.PrefixCount, trie.PrefixCount);
        });
    }

    private static void AssertSameEntries(PrefixTrie<int> expected, PrefixTrie<int> actual)
    {
        var e = expected.Entries.Select(x => (x.Key.ToString(), string.Join(",", Sorted(x.Value)))).ToArray();
        var a = actual.Entries.Select(x => (x.Key.ToString(), string.Join(",", Sorted(x.Value)))).ToArray();
        Assert.Equal(e, a);
        Assert.Equal(expected.PrefixCount, actual.PrefixCount);
        Assert.Equal(expected.ValueCount, actual.ValueCount);
    }

    // ================================================================================
    // Examples
    // ================================================================================

    private static Sequence S(string notation) => Sequence.FromText(notation);

    private static PrefixTrie<string> Trie(params (string Prefix, string Value)[] pairs)
    {
        var builder = new PrefixTrieBuilder<string>();
        foreach (var (prefix, value) in pairs) builder.Add(S(prefix), value);
        return builder.Build();
    }

    /// <summary>The longest match as "length:values" (values sorted), or null when nothing matches.</summary>
    private static string? Match(PrefixTrie<string> trie, string input) =>
        trie.TryMatch(S(input).Span, out var match) ? $"{match.Length}:{string.Join(",", match.Values.Order())}" : null;

    [Fact]
    public void The_longer_registered_prefix_wins()
    {
        var trie = Trie(("echo/", "echo"), ("echo/x", "echo-x"));

        Assert.Equal("6:echo-x", Match(trie, "echo/xyz"));
        Assert.Equal("6:echo-x", Match(trie, "echo/x"));
        Assert.Equal("5:echo", Match(trie, "echo/y"));
        Assert.Equal("5:echo", Match(trie, "echo/"));
        Assert.Null(Match(trie, "echo"));
        Assert.Null(Match(trie, "sys/x"));
    }

    [Fact]
    public void MatchAll_lists_nested_prefixes_longest_first()
    {
        var trie = Trie(("", "root"), ("e", "e"), ("echo/", "echo"), ("echo/x", "x"), ("echo/xy", "xy"));

        var all = trie.MatchAll(S("echo/xa").Span);

        Assert.Equal(new[] { 6, 5, 1, 0 }, all.Select(m => m.Length).ToArray());
        Assert.Equal(new[] { "x", "echo", "e", "root" }, all.Select(m => m.Values.Single()).ToArray());
    }

    [Fact]
    public void An_empty_trie_matches_nothing()
    {
        foreach (var trie in new[] { PrefixTrie<string>.Empty, new PrefixTrieBuilder<string>().Build() })
        {
            Assert.False(trie.TryMatch(S("anything").Span, out _));
            Assert.False(trie.TryMatch(ReadOnlySpan<byte>.Empty, out _));
            Assert.Empty(trie.MatchAll(S("anything").Span));
            Assert.Empty(trie.ValuesOf(ReadOnlySpan<byte>.Empty));
            Assert.Empty(trie.Entries);
            Assert.Equal(0, trie.PrefixCount);
            Assert.Equal(0, trie.ValueCount);
            Assert.Equal(1, trie.NodeCount);
            Assert.Equal(0, trie.ToBuilder().PrefixCount);
        }
    }

    [Fact]
    public void Empty_input_matches_only_the_empty_prefix()
    {
        var without = Trie(("a", "a"), ("echo/", "echo"));
        Assert.Null(Match(without, ""));
        Assert.Empty(without.MatchAll(ReadOnlySpan<byte>.Empty));

        var with = Trie(("", "root"), ("a", "a"));
        Assert.Equal("0:root", Match(with, ""));
        Assert.Equal("0:root", Match(with, "b"));
        Assert.Equal("1:a", Match(with, "ab"));
        Assert.Equal(new[] { "root" }, with.ValuesOf(ReadOnlySpan<byte>.Empty).ToArray());
    }

    [Fact]
    public void A_prefix_longer_than_the_input_does_not_match()
    {
        var trie = Trie(("echo/", "echo"));

        Assert.Null(Match(trie, "ech"));
        Assert.Null(Match(trie, "echo"));
        Assert.Empty(trie.ValuesOf(S("ech").Span));
    }

    [Fact]
    public void A_mismatch_inside_a_compressed_edge_falls_back_to_the_last_matched_node()
    {
        // "abcdef" and "abxy" share the edge "ab", then split into the edges "cdef" and "xy".
        var trie = Trie(("abcdef", "long"), ("abxy", "other"));

        Assert.Null(Match(trie, "abcdxx"));  // fails inside "cdef"
        Assert.Null(Match(trie, "abx"));     // runs out inside "xy"
        Assert.Null(Match(trie, "ab"));      // a branching point with no values
        Assert.Equal("6:long", Match(trie, "abcdefg"));
        Assert.Equal("4:other", Match(trie, "abxy"));
        Assert.Empty(trie.ValuesOf(S("ab").Span));
        Assert.Empty(trie.ValuesOf(S("abcd").Span));

        var withAb = Trie(("abcdef", "long"), ("abxy", "other"), ("ab", "ab"));
        Assert.Equal("2:ab", Match(withAb, "abcdxx"));
        Assert.Equal("2:ab", Match(withAb, "abx"));
        Assert.Equal(new[] { 2 }, withAb.MatchAll(S("abcdxx").Span).Select(m => m.Length).ToArray());
    }

    [Fact]
    public void Children_are_ordered_by_unsigned_byte()
    {
        // A signed comparison would misplace 0x80 and 0xff among the children and miss them.
        var trie = Trie((@"\x00", "00"), (@"\x7f", "7f"), (@"\x80", "80"), (@"\xff", "ff"), ("a", "a"));

        foreach (var (input, value) in new[] { (@"\x00", "00"), (@"\x7f", "7f"), (@"\x80", "80"), (@"\xff", "ff"), ("a", "a") })
            Assert.Equal($"1:{value}", Match(trie, input + "zz"));
        Assert.Equal(new[] { @"\x00", "a", @"\x7f", @"\x80", @"\xff" }, trie.Entries.Select(e => e.Key.ToString()).ToArray());
    }

    [Fact]
    public void Several_values_share_a_prefix_and_exact_duplicates_are_refused()
    {
        var builder = new PrefixTrieBuilder<string>();

        Assert.True(builder.Add(S("echo/"), "node-a"));
        Assert.True(builder.Add(S("echo/"), "node-b"));
        Assert.False(builder.Add(S("echo/"), "node-a"));
        Assert.True(builder.Add(S("echo/x"), "node-a"));
        Assert.Equal(2, builder.PrefixCount);

        var trie = builder.Build();
        Assert.Equal(2, trie.PrefixCount);
        Assert.Equal(3, trie.ValueCount);
        Assert.Equal(new[] { "node-a", "node-b" }, trie.ValuesOf(S("echo/").Span).Order().ToArray());
    }

    [Fact]
    public void Remove_takes_one_pair_and_drops_a_prefix_left_without_values()
    {
        var builder = new PrefixTrieBuilder<string>();
        builder.Add(S("echo/"), "a");
        builder.Add(S("echo/"), "b");
        builder.Add(S("echo/x"), "c");

        Assert.True(builder.Remove(S("echo/"), "a"));
        Assert.False(builder.Remove(S("echo/"), "a"));
        Assert.False(builder.Remove(S("echo/"), "c"));
        Assert.False(builder.Remove(S("nope"), "a"));
        Assert.Equal(2, builder.PrefixCount);

        Assert.True(builder.Remove(S("echo/"), "b"));
        Assert.Equal(1, builder.PrefixCount);
        var trie = builder.Build();
        Assert.Null(Match(trie, "echo/y"));
        Assert.Equal("6:c", Match(trie, "echo/xy"));
    }

    [Fact]
    public void RemoveWhere_counts_what_went_and_sees_the_prefix()
    {
        var builder = new PrefixTrieBuilder<string>();
        builder.Add(S("a"), "keep");
        builder.Add(S("a"), "drop");
        builder.Add(S("b"), "drop");
        builder.Add(S("c"), "keep");

        var removed = builder.RemoveWhere((prefix, value) => value == "drop" || prefix == S("c"));

        Assert.Equal(3, removed);
        Assert.Equal(1, builder.PrefixCount);
        var trie = builder.Build();
        Assert.Equal(new[] { "a" }, trie.Entries.Select(e => e.Key.ToString()).ToArray());
        Assert.Equal(new[] { "keep" }, trie.ValuesOf(S("a").Span).ToArray());
        Assert.Equal(0, builder.RemoveWhere((_, _) => false));
    }

    [Fact]
    public void The_builder_keeps_its_own_copy_of_a_prefix()
    {
        var bytes = "abc"u8.ToArray();
        var builder = new PrefixTrieBuilder<int>();
        builder.Add(new Sequence(bytes), 1);

        bytes[0] = (byte)'z';
        var trie = builder.Build();

        Assert.Equal(new[] { 1 }, trie.ValuesOf("abc"u8).ToArray());
        Assert.Empty(trie.ValuesOf("zbc"u8));
    }

    [Fact]
    public void A_prefix_given_as_a_slice_is_found_by_value()
    {
        var builder = new PrefixTrieBuilder<int>();
        builder.Add(Sequence.FromUtf8("__echo/__").Slice(2, 5), 1);

        Assert.False(builder.Add(Sequence.FromUtf8("echo/"), 1));
        Assert.True(builder.Remove(Sequence.FromUtf8("xecho/").Slice(1), 1));
        Assert.Equal(0, builder.PrefixCount);
    }

    [Fact]
    public void The_value_comparer_decides_what_a_duplicate_is()
    {
        var builder = new PrefixTrieBuilder<string>(StringComparer.OrdinalIgnoreCase);

        Assert.True(builder.Add(S("p"), "Node"));
        Assert.False(builder.Add(S("p"), "NODE"));
        Assert.True(builder.Remove(S("p"), "node"));
        Assert.Equal(0, builder.PrefixCount);
    }

    [Fact]
    public void Values_keep_the_order_they_were_added_in()
    {
        var builder = new PrefixTrieBuilder<int>();
        foreach (var v in new[] { 3, 1, 2 }) builder.Add(S("p"), v);

        Assert.Equal(new[] { 3, 1, 2 }, builder.Build().ValuesOf("p"u8).ToArray());
    }

    [Fact]
    public void Lookups_from_many_threads_at_once_agree()
    {
        var builder = new PrefixTrieBuilder<int>();
        for (var i = 0; i < 200; i++) builder.Add(Sequence.FromUtf8($"route/{i}/"), i);
        var trie = builder.Build();

        var wrong = 0;
        Parallel.For(0, 20_000, i =>
        {
            var n = i % 200;
            if (!trie.TryMatch(Sequence.FromUtf8($"route/{n}/tail{i}").Span, out var match)
                || match.Values.Length != 1 || match.Values[0] != n)
                Interlocked.Increment(ref wrong);
        });

        Assert.Equal(0, wrong);
    }

    // ================================================================================
    // Scale: 10,000 random prefixes against 10,000 random inputs
    // ================================================================================

    [Fact]
    public void Ten_thousand_random_prefixes_match_the_reference_on_ten_thousand_inputs()
    {
        var random = new Random(20240611);
        byte[] alphabet = [0, 1, 2, 3, 0x7f, 0x80, 0xfe, 0xff, (byte)'a', (byte)'b'];
        byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            for (var i = 0; i < length; i++) bytes[i] = alphabet[random.Next(alphabet.Length)];
            return bytes;
        }

        var builder = new PrefixTrieBuilder<int>();
        var naive = new NaivePrefixIndex<int>();
        var prefixes = new List<byte[]>();
        for (var i = 0; i < 10_000; i++)
        {
            var prefix = RandomBytes(random.Next(1, 9));
            var value = random.Next(4);
            Assert.Equal(naive.Add(prefix, value), builder.Add(new Sequence(prefix), value));
            prefixes.Add(prefix);
        }
        var trie = builder.Build();
        Assert.Equal(naive.PrefixCount, trie.PrefixCount);
        Assert.Equal(naive.ValueCount, trie.ValueCount);

        var matched = 0;
        for (var i = 0; i < 10_000; i++)
        {
            // Half the inputs extend a registered prefix, half are random.
            var input = i % 2 == 0
                ? prefixes[random.Next(prefixes.Count)].Concat(RandomBytes(random.Next(0, 6))).ToArray()
                : RandomBytes(random.Next(0, 12));
            AssertSameMatch(naive, trie, input);
            if (trie.TryMatch(input, out _)) matched++;
        }
        // The inputs must exercise both outcomes for the comparison to mean anything.
        Assert.InRange(matched, 5_000, 9_999);
    }
}
