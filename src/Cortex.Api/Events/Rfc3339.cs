namespace Cortex.Api.Events;

/// <summary>
/// Strict RFC 3339 date-time parsing (a Z or a numeric offset is required) and the one
/// normalised form the API stores and returns: UTC, millisecond precision.
/// </summary>
public static class Rfc3339
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// <see cref="Format"/>, written digit by digit: every accepted event is formatted twice
    /// (timestamp, ingested_at), and the format string's parser cost several times more.
    /// </summary>
    public static string ToUtcString(DateTimeOffset value) =>
        string.Create(24, value.UtcDateTime, static (chars, utc) =>
        {
            Digits(chars[..4], utc.Year);
            chars[4] = '-';
            Digits(chars.Slice(5, 2), utc.Month);
            chars[7] = '-';
            Digits(chars.Slice(8, 2), utc.Day);
            chars[10] = 'T';
            Digits(chars.Slice(11, 2), utc.Hour);
            chars[13] = ':';
            Digits(chars.Slice(14, 2), utc.Minute);
            chars[16] = ':';
            Digits(chars.Slice(17, 2), utc.Second);
            chars[19] = '.';
            Digits(chars.Slice(20, 3), utc.Millisecond);
            chars[23] = 'Z';
        });

    private static void Digits(Span<char> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Truncates to whole milliseconds, the precision every store keeps.</summary>
    public static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;

        // yyyy-MM-ddTHH:mm:ss is 19 characters; then an optional fraction, then Z or +hh:mm.
        if (text.Length < 20
            || !TryDigits(text[..4], out var year) || text[4] != '-'
            || !TryDigits(text.Slice(5, 2), out var month) || text[7] != '-'
            || !TryDigits(text.Slice(8, 2), out var day)
            || (text[10] != 'T' && text[10] != 't')
            || !TryDigits(text.Slice(11, 2), out var hour) || text[13] != ':'
            || !TryDigits(text.Slice(14, 2), out var minute) || text[16] != ':'
            || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        var rest = text[19..];
        long ticks = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 0;
            rest = rest[1..];
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                if (digits < 7)
                {
                    ticks = (ticks * 10) + (rest[digits] - '0');
                }

                digits++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (var pad = digits; pad < 7; pad++)
            {
                ticks *= 10;
            }

            rest = rest[digits..];
        }

        TimeSpan offset;
        if (rest is "Z" or "z")
        {
            offset = TimeSpan.Zero;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
                 && TryDigits(rest.Slice(1, 2), out var offsetHours)
                 && TryDigits(rest.Slice(4, 2), out var offsetMinutes)
                 && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (rest[0] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || hour > 23 || minute > 59 || second > 59
            || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        try
        {
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
            value = new DateTimeOffset(local, offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // The offset pushes the instant outside DateTimeOffset's range (year 1 or 9999).
            return false;
        }
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
