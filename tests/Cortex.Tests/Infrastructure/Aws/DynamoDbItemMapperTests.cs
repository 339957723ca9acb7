using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;

namespace Cortex.Tests.Infrastructure.Aws;

public sealed class DynamoDbItemMapperTests
{
    private static readonly DateTimeOffset Time = new(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero);

    [Fact]
    public void FromIsInclusiveAndToIsExclusiveOnTheTimestampPrefix()
    {
        var id = Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff");
        var query = new EventQuery(null, null, null, Time.ToUnixTimeMilliseconds(), Time.AddSeconds(1).ToUnixTimeMilliseconds(), 10, null);

        var (lower, upper) = DynamoDbTelemetryStore.RangeOf(query);

        Assert.Equal("2026-03-01T12:00:00.250Z#", lower);
        Assert.Equal("2026-03-01T12:00:01.250Z#", upper);
        Assert.True(string.CompareOrdinal(DynamoDbItemMapper.TsIdOf("2026-03-01T12:00:00.250Z", Guid.Empty), lower) >= 0);
        Assert.True(string.CompareOrdinal(DynamoDbItemMapper.TsIdOf("2026-03-01T12:00:01.249Z", id), upper) < 0);
        Assert.True(string.CompareOrdinal(DynamoDbItemMapper.TsIdOf("2026-03-01T12:00:01.250Z", Guid.Empty), upper) >= 0);
    }

    [Fact]
    public void CursorBeforeToBecomesTheExclusiveUpperBound()
    {
        var after = new EventPosition(Time.ToUnixTimeMilliseconds(), Guid.Parse("0190a1b2-0000-7000-8000-000000000001"));
        var query = new EventQuery("s", null, null, null, Time.AddHours(1).ToUnixTimeMilliseconds(), 10, after);

        var (lower, upper) = DynamoDbTelemetryStore.RangeOf(query);

        Assert.Null(lower);
        Assert.Equal("2026-03-01T12:00:00.250Z#0190a1b2-0000-7000-8000-000000000001", upper);
        Assert.Equal(after, DynamoDbItemMapper.PositionOf(upper!));
    }

    [Fact]
    public void ShardsAreStableAndSpreadUuidV7Ids()
    {
        var counts = new int[16];
        for (var i = 0; i < 16_000; i++)
        {
            counts[DynamoDbItemMapper.ShardOf(Guid.CreateVersion7(Time.AddMilliseconds(i)), 16)]++;
        }

        Assert.Equal(9, DynamoDbItemMapper.ShardOf(Guid.Parse("0190a1b2-0000-7000-8000-000000000001"), 16));
        Assert.All(counts, c => Assert.InRange(c, 700, 1300));
    }

    [Fact]
    public void DataNumbersKeepTheirTextAndTypesMapToDynamoTypes()
    {
        var value = DynamoDbItemMapper.DataToAttribute("""{"a":87.50,"b":1E+5,"c":[true,null,"x"],"d":{}}"""u8);

        Assert.Equal("87.50", value.M["a"].N);
        Assert.Equal("1E+5", value.M["b"].N);
        Assert.True(value.M["c"].L[0].BOOL);
        Assert.True(value.M["c"].L[1].NULL);
        Assert.Equal("x", value.M["c"].L[2].S);
        Assert.Empty(value.M["d"].M);
    }

    [Fact]
    public void AServerAssignedIdGivesTheListedItemsKey()
    {
        var id = Uuid7.New(Time);
        var key = DynamoDbItemMapper.KeyOf(id, 16);

        Assert.Equal(Time.ToUnixTimeMilliseconds(), DynamoDbItemMapper.TimeOf(id));
        Assert.Equal(DynamoDbItemMapper.ShardOf(id, 16).ToString(System.Globalization.CultureInfo.InvariantCulture), key["pk"].S);
        Assert.Equal(DynamoDbItemMapper.TsIdOf("2026-03-01T12:00:00.250Z", id), key["ts_id"].S);
    }

    [Theory]
    [InlineData("6f9619ff-8b86-4d01-b42d-00cf4fc964ff")] // version 4: no time
    [InlineData("ffffffff-ffff-8fff-bfff-ffffffffffff")] // version 8 whose leading bits are no representable time
    public void AnIdWithoutATimeGetsAPartitionOfItsOwn(string text)
    {
        var id = Guid.Parse(text);

        var key = DynamoDbItemMapper.KeyOf(id, 16);

        Assert.Null(DynamoDbItemMapper.TimeOf(id));
        Assert.Equal("id#" + text, key["pk"].S);
    }
}
