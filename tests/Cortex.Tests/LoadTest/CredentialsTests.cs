using Cortex.Api.Hosting;
using Cortex.LoadTest;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cortex.Tests.LoadTest;

public sealed class CredentialsTests
{
    [Fact]
    public void AnExplicitKeyWinsOverEverythingElse()
    {
        var (key, origin) = Credentials.ResolveSigningKey("explicit-key-0123456789abcdefghijklmnop");

        Assert.Equal("explicit-key-0123456789abcdefghijklmnop", key);
        Assert.Equal("--signing-key", origin);
    }

    [Fact]
    public void TheDevelopmentKeyIsReadFromTheAppsSettingsFileNotFromCode()
    {
        var found = Credentials.FindDevelopmentKey();

        Assert.NotNull(found);
        Assert.True(SigningKeyPolicy.IsDevelopmentKey(found.Value.Key));
        Assert.EndsWith(Path.Combine("src", "Cortex.Api", "appsettings.Development.json"), found.Value.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadKeyFindsCortexAuthSigningKeyOrNothing()
    {
        Assert.Equal("k", Credentials.ReadKey("""{"Cortex":{"Auth":{"SigningKey":"k"}}}"""));
        Assert.Null(Credentials.ReadKey("""{"Cortex":{"Auth":{}}}"""));
        Assert.Null(Credentials.ReadKey("""{ /* comment */ "Logging":{}, }"""));
    }

    [Fact]
    public void EachTokenHasItsOwnSubjectAndOnlyTheWriteScope()
    {
        var tokens = Credentials.MintTokens(CortexApplication.Auth, 3, TimeSpan.FromMinutes(5));

        var parsed = tokens.Select(t => new JsonWebToken(t)).ToList();
        Assert.Equal(["load-agent-0000", "load-agent-0001", "load-agent-0002"], parsed.Select(t => t.Subject));
        Assert.All(parsed, t => Assert.Equal(Scopes.Write, t.GetClaim("scope").Value));
    }
}
