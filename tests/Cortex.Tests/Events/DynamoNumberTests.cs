using System.Text;
using Cortex.Api.Events;

namespace Cortex.Tests.Events;

public sealed class DynamoNumberTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.000")]
    [InlineData("0e500")]
    [InlineData("-0.0E-999")]
    [InlineData("1")]
    [InlineData("87.5")]
    [InlineData("1.10")]
    [InlineData("2e5")]
    [InlineData("-0.0001")]
    [InlineData("12345678901234567890123456789012345678")]
    [InlineData("-1234567890123456789012345678901234567.8")]
    [InlineData("0.00012345678901234567890123456789012345678")]
    [InlineData("100000000000000000000000000000000000000000000000000")]
    [InlineData("9.99e125")]
    [InlineData("9.9999999999999999999999999999999999999E+125")]
    [InlineData("1e125")]
    [InlineData("1e-130")]
    [InlineData("1E-130")]
    [InlineData("-1e-130")]
    [InlineData("0.0000001e-123")]
    [InlineData("10e-131")]
    public void NumbersADynamoDbNumberCanHoldFit(string number)
    {
        var fits = DynamoNumber.Fits(Encoding.UTF8.GetBytes(number));

        Assert.True(fits, number);
    }

    [Theory]
    [InlineData("123456789012345678901234567890123456789")]
    [InlineData("1.23456789012345678901234567890123456789")]
    [InlineData("1000000000000000000000000000000000000001")]
    [InlineData("1e126")]
    [InlineData("10e125")]
    [InlineData("-1e126")]
    [InlineData("1E+126")]
    [InlineData("1e-131")]
    [InlineData("0.1e-130")]
    [InlineData("-1e-131")]
    [InlineData("1e99999999999999999999")]
    [InlineData("1e-99999999999999999999")]
    public void NumbersOutsideTheDynamoDbRangeDoNotFit(string number)
    {
        var fits = DynamoNumber.Fits(Encoding.UTF8.GetBytes(number));

        Assert.False(fits, number);
    }
}
