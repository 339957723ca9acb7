namespace Cortex.Api.Events;

/// <summary>
/// Checks that a JSON number, as written, fits a DynamoDB number: at most 38 significant
/// digits and a magnitude of zero or between 1E-130 and 9.99..E+125.
/// </summary>
public static class DynamoNumber
{
    public const int MaxSignificantDigits = 38;
    public const int MinExponent = -130;
    public const int MaxExponent = 125;

    /// <param name="number">The raw UTF-8 text of a JSON number (already valid JSON grammar).</param>
    public static bool Fits(ReadOnlySpan<byte> number)
    {
        var i = 0;
        if (i < number.Length && number[i] == '-')
        {
            i++;
        }

        // Walk the digits of the integer and fraction parts as one digit string.
        var pointPosition = -1;
        var digitCount = 0;
        var firstSignificant = -1;
        var lastSignificant = -1;
        for (; i < number.Length; i++)
        {
            var c = number[i];
            if (c == '.')
            {
                pointPosition = digitCount;
                continue;
            }

            if (c is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (c != '0')
            {
                if (firstSignificant < 0)
                {
                    firstSignificant = digitCount;
                }

                lastSignificant = digitCount;
            }

            digitCount++;
        }

        if (firstSignificant < 0)
        {
            return true; // zero, in any spelling
        }

        if (pointPosition < 0)
        {
            pointPosition = digitCount;
        }

        long exponent = 0;
        if (i < number.Length)
        {
            i++; // 'e' or 'E'
            var negative = false;
            if (number[i] is (byte)'+' or (byte)'-')
            {
                negative = number[i] == '-';
                i++;
            }

            for (; i < number.Length; i++)
            {
                // Clamp: anything this large is out of range whatever the mantissa.
                exponent = Math.Min((exponent * 10) + (number[i] - '0'), 1_000_000);
            }

            if (negative)
            {
                exponent = -exponent;
            }
        }

        var significantDigits = lastSignificant - firstSignificant + 1;
        var magnitude = pointPosition - firstSignificant - 1 + exponent;
        return significantDigits <= MaxSignificantDigits && magnitude is >= MinExponent and <= MaxExponent;
    }
}
