namespace PromiseGrid.Modules.Tests;

public sealed class HashModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    [Theory]
    // Known SHA-256 vectors (FIPS 180-2 "abc", and the empty string).
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Sha256_completes_with_the_hex_digest(string data, string hex)
    {
        await StartModuleAsync(HashModule.Props(), "hash/sha256/");

        var completion = await CompleteAsync("hash/sha256/" + data);

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(hex, completion.Bytes.ToString());
    }

    [Fact]
    public async Task Hash_is_pure_and_unknown_algorithms_have_no_route()
    {
        await StartModuleAsync(HashModule.Props(), "hash/sha256/");

        Assert.True(Assert.Single(Runtime.Routes.Snapshot.ValuesOf(Sequence.FromText("hash/sha256/").Span)).Pure);
        AssertStatus(CompletionStatus.NoRoute, await CompleteAsync("hash/md5/abc"));
    }
}
