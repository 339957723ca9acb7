using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Cortex.Api.Query;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Cortex.Tests.Query;

public sealed class CursorCodecTests
{
    private static readonly QueryFilter Filter = new("web-01", "cpu_usage", "warning", 1_795_428_000_000, 1_795_431_600_000);
    private static readonly EventPosition Position = new(1_795_429_234_567, Guid.Parse("0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807"));

    public static TheoryData<QueryFilter> OtherFilters => new()
    {
        Filter with { Source = "web-02" },
        Filter with { Source = null },
        Filter with { EventType = "uptime" },
        Filter with { Severity = null },
        Filter with { FromMs = Filter.FromMs + 1 },
        Filter with { ToMs = null },
        new QueryFilter(null, null, null, null, null),
    };

    [Fact]
    public void ACursorDecodesToThePositionItWasMadeFrom()
    {
        var codec = Codec();

        var cursor = codec.Encode(Position, Filter);
        var check = codec.TryDecode(cursor, Filter, out var decoded);

        Assert.Equal(CursorCheck.Valid, check);
        Assert.Equal(Position, decoded);
        Assert.Matches("^[A-Za-z0-9_-]+$", cursor);
    }

    [Fact]
    public void ACursorForAFilterlessQueryRoundTrips()
    {
        var codec = Codec();
        var filter = new QueryFilter(null, null, null, null, null);

        var check = codec.TryDecode(codec.Encode(Position, filter), filter, out var decoded);

        Assert.Equal(CursorCheck.Valid, check);
        Assert.Equal(Position, decoded);
    }

    [Fact]
    public void ChangingAnyByteOfACursorMakesItInvalid()
    {
        var codec = Codec();
        var bytes = WebEncoders.Base64UrlDecode(codec.Encode(Position, Filter));

        var checks = new List<CursorCheck>();
        for (var i = 0; i < bytes.Length; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            checks.Add(codec.TryDecode(WebEncoders.Base64UrlEncode(tampered), Filter, out _));
        }

        Assert.All(checks, c => Assert.Equal(CursorCheck.Invalid, c));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")]
    [InlineData("%%%")]
    public void GarbageIsAnInvalidCursor(string cursor)
    {
        var check = Codec().TryDecode(cursor, Filter, out _);

        Assert.Equal(CursorCheck.Invalid, check);
    }

    [Fact]
    public void ATruncatedOrExtendedCursorIsInvalid()
    {
        var codec = Codec();
        var cursor = codec.Encode(Position, Filter);
        var bytes = WebEncoders.Base64UrlDecode(cursor);

        var truncated = codec.TryDecode(WebEncoders.Base64UrlEncode(bytes[..^1]), Filter, out _);
        var extended = codec.TryDecode(WebEncoders.Base64UrlEncode([.. bytes, 0]), Filter, out _);

        Assert.Equal(CursorCheck.Invalid, truncated);
        Assert.Equal(CursorCheck.Invalid, extended);
    }

    [Theory]
    [MemberData(nameof(OtherFilters))]
    public void ACursorUsedWithOtherFiltersIsReportedAsAnotherQuery(QueryFilter other)
    {
        var codec = Codec();

        var check = codec.TryDecode(codec.Encode(Position, Filter), other, out _);

        Assert.Equal(CursorCheck.OtherQuery, check);
    }

    [Fact]
    public void ACursorSignedWithAnotherKeyIsInvalid()
    {
        var cursor = Codec("cursor-key-number-one-0123456789abcdef").Encode(Position, Filter);

        var check = Codec("cursor-key-number-two-0123456789abcdef").TryDecode(cursor, Filter, out _);

        Assert.Equal(CursorCheck.Invalid, check);
    }

    [Fact]
    public void WithoutACursorKeyTheKeyIsDerivedFromTheSigningKeySoInstancesAgree()
    {
        var first = Codec(cursorKey: null, signingKey: CortexApplication.SigningKey);
        var second = Codec(cursorKey: null, signingKey: CortexApplication.SigningKey);
        var otherDeployment = Codec(cursorKey: null, signingKey: "another-deployment-signing-key-0123456789");

        var cursor = first.Encode(Position, Filter);

        Assert.Equal(CursorCheck.Valid, second.TryDecode(cursor, Filter, out _));
        Assert.Equal(CursorCheck.Invalid, otherDeployment.TryDecode(cursor, Filter, out _));
        Assert.Equal(CursorCheck.Invalid, Codec().TryDecode(cursor, Filter, out _));
    }

    [Fact]
    public void WithoutAnyKeyTheCodecRefusesToBeCreated()
    {
        Assert.Throws<InvalidOperationException>(() => Codec(cursorKey: null, signingKey: null));
    }

    private static CursorCodec Codec(string? cursorKey = "cursor-key-for-tests-0123456789abcdef", string? signingKey = null) =>
        new(Options.Create(new QueryOptions { CursorKey = cursorKey }), Options.Create(new AuthOptions { SigningKey = signingKey }));
}
