using Cortex.Api.Infrastructure.Aws;

namespace Cortex.Tests.Infrastructure.Aws;

public sealed class EventBridgeSourceTests
{
    [Fact]
    public void SafeSourceIsPrefixedUnchanged()
    {
        var source = EventBridgeSource.For("cortex.producer.", "server-web_01.eu/a");

        Assert.Equal("cortex.producer.server-web_01.eu/a", source);
    }

    [Fact]
    public void UnsafeCharactersAreReplacedAndAHashKeepsDistinctSourcesDistinct()
    {
        var space = EventBridgeSource.For("cortex.producer.", "web 01");
        var colon = EventBridgeSource.For("cortex.producer.", "web:01");

        Assert.Matches("^cortex\\.producer\\.web_01-[0-9a-f]{8}$", space);
        Assert.Matches("^cortex\\.producer\\.web_01-[0-9a-f]{8}$", colon);
        Assert.NotEqual(space, colon);
        Assert.Equal(space, EventBridgeSource.For("cortex.producer.", "web 01"));
    }

    [Fact]
    public void LongSourceIsCutToTheEventBridgeLimit()
    {
        var longest = new string('a', 256);

        var source = EventBridgeSource.For("cortex.producer.", longest);

        Assert.Equal(EventBridgeSource.MaxLength, source.Length);
        Assert.Matches("^cortex\\.producer\\.a+-[0-9a-f]{8}$", source);
    }
}
