using Cortex.Api.Events;
using Cortex.Api.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Tests.Ingestion;

public sealed class EventSubmissionValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);

    [Fact]
    public void AMinimalSubmissionIsValid()
    {
        var result = Validator().Validate(Valid());

        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData(null, "source is required.")]
    [InlineData("", "source must be 1 to 256 characters.")]
    [InlineData("a\u0000b", "source must not contain control characters.")]
    [InlineData("tab\there", "source must not contain control characters.")]
    [InlineData("del\u007f", "source must not contain control characters.")]
    [InlineData("c1\u0085", "source must not contain control characters.")]
    public void AnInvalidSourceIsReported(string? source, string message)
    {
        var submission = Valid();
        submission.Source = source;

        var result = Validator().Validate(submission);

        var error = Assert.Single(result.Errors);
        Assert.Equal(nameof(EventSubmission.Source), error.PropertyName);
        Assert.Equal(message, error.ErrorMessage);
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(256, 1, true)]
    [InlineData(257, 1, false)]
    [InlineData(256, 2, true)]
    [InlineData(257, 2, false)]
    public void SourceLengthIsCountedInCodePoints(int codePoints, int utf16PerCodePoint, bool valid)
    {
        var submission = Valid();
        submission.Source = string.Concat(Enumerable.Repeat(utf16PerCodePoint == 1 ? "s" : "\U0001F600", codePoints));

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("cpu_usage", true)]
    [InlineData("custom", true)]
    [InlineData("health_check", true)]
    [InlineData("CPU_USAGE", false)]
    [InlineData("Cpu_usage", false)]
    [InlineData("cpu-usage", false)]
    [InlineData(" cpu_usage", false)]
    public void EventTypeMustBeOneOfTheVocabularyCaseSensitively(string? eventType, bool valid)
    {
        var submission = Valid();
        submission.EventType = eventType;

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
        Assert.All(result.Errors, e => Assert.Equal(nameof(EventSubmission.EventType), e.PropertyName));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("info", true)]
    [InlineData("warning", true)]
    [InlineData("critical", true)]
    [InlineData("WARNING", false)]
    [InlineData("error", false)]
    [InlineData("", false)]
    public void SeverityIsOptionalButMustBeKnown(string? severity, bool valid)
    {
        var submission = Valid();
        submission.Severity = severity;

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
    }

    [Fact]
    public void MissingDataIsReportedOnceAndNotWhenTheReaderAlreadyDid()
    {
        var missing = Valid();
        missing.Data = null;
        var misshapen = Valid();
        misshapen.Data = null;
        misshapen.AddReadError("data", "data must be a JSON object, not an array.");

        var missingResult = Validator().Validate(missing);
        var misshapenResult = Validator().Validate(misshapen);

        Assert.Equal("data is required and must be a JSON object ({} is allowed).", Assert.Single(missingResult.Errors).ErrorMessage);
        Assert.True(misshapenResult.IsValid);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(300_000, true)]
    [InlineData(300_001, false)]
    [InlineData(-604_800_000, true)]
    [InlineData(-604_800_001, false)]
    public void TimestampMustBeWithinFiveMinutesAheadAndSevenDaysBack(long millisecondsFromNow, bool valid)
    {
        var submission = Valid();
        submission.Timestamp = Now.AddMilliseconds(millisecondsFromNow);

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
        Assert.All(result.Errors, e => Assert.Equal(nameof(EventSubmission.Timestamp), e.PropertyName));
    }

    [Fact]
    public void TheTimeWindowFollowsTheOptionsAndTheClock()
    {
        var validator = Validator(new IngestionOptions { MaxFutureSkew = TimeSpan.FromMinutes(1), MaxEventAge = TimeSpan.FromHours(1) });
        var submission = Valid();
        submission.Timestamp = Now.AddMinutes(2);

        var before = validator.Validate(submission);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var after = validator.Validate(submission);
        _clock.Advance(TimeSpan.FromHours(2));
        var tooOld = validator.Validate(submission);

        Assert.Equal("timestamp is more than 1 minutes in the future.", Assert.Single(before.Errors).ErrorMessage);
        Assert.True(after.IsValid);
        Assert.Equal("timestamp is more than 60 minutes in the past.", Assert.Single(tooOld.Errors).ErrorMessage);
    }

    [Theory]
    [InlineData(256, 64, true)]
    [InlineData(257, 64, false)]
    [InlineData(256, 65, false)]
    public void HostnameAndRegionHaveMaximumLengths(int hostname, int region, bool valid)
    {
        var submission = Valid();
        submission.Hostname = new string('h', hostname);
        submission.Region = new string('r', region);

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
    }

    [Theory]
    [InlineData(50, 128, 256, true)]
    [InlineData(0, 1, 1, true)]
    [InlineData(51, 4, 1, false)]
    [InlineData(1, 129, 1, false)]
    [InlineData(1, 1, 257, false)]
    public void TagsHaveCountKeyAndValueLimits(int count, int keyLength, int valueLength, bool valid)
    {
        var submission = Valid();
        submission.Tags = Enumerable.Range(0, count).ToDictionary(i => $"{i:D3}".PadRight(keyLength, 'k')[..Math.Max(keyLength, 3)], _ => new string('v', valueLength));

        var result = Validator().Validate(submission);

        Assert.Equal(valid, result.IsValid);
        Assert.All(result.Errors, e => Assert.Equal(nameof(EventSubmission.Tags), e.PropertyName));
    }

    [Fact]
    public void EveryBrokenRuleIsReported()
    {
        var submission = new EventSubmission
        {
            Source = "",
            EventType = "nope",
            Severity = "loud",
            Timestamp = Now.AddDays(1),
            Hostname = new string('h', 300),
            Region = new string('r', 100),
            Tags = new Dictionary<string, string> { [new string('k', 200)] = "v" },
        };

        var result = Validator().Validate(submission);

        Assert.Equal(
            ["Data", "EventType", "Hostname", "Region", "Severity", "Source", "Tags", "Timestamp"],
            result.Errors.Select(e => e.PropertyName).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("abc", 3)]
    [InlineData("\U0001F680\U0001F680", 2)]
    [InlineData("e\u0301", 2)]
    public void CodePointsCountsRunesNotUtf16Units(string value, int expected)
    {
        Assert.Equal(expected, EventRules.CodePoints(value));
    }

    private static EventSubmission Valid() => new() { Source = "web-01", EventType = "cpu_usage", Data = "{}"u8.ToArray() };

    private EventSubmissionValidator Validator(IngestionOptions? options = null) =>
        new(Options.Create(options ?? new IngestionOptions()), _clock);
}
