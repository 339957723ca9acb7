using System.Globalization;
using System.Text;
using FluentValidation;

namespace Cortex.Api.Events;

/// <summary>
/// The field rules of the event contract, applied to what <see cref="EventReader"/> read. Ingestion
/// adds its time window on top; the consumer applies these rules unchanged to stored events.
/// </summary>
internal sealed class EventRules : AbstractValidator<EventSubmission>
{
    public static readonly EventRules Instance = new();

    private EventRules()
    {
        // A missing field gets one message, not "required" plus every rule that cannot apply.
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(x => x.Source)
            .NotNull().WithMessage("source is required.")
            .Must(s => CodePoints(s!) is >= 1 and <= EventContract.MaxSourceLength)
                .WithMessage($"source must be 1 to {EventContract.MaxSourceLength} characters.")
            .Must(s => !HasControlCharacters(s!)).WithMessage("source must not contain control characters.")
            .When(x => !x.HasReadError("source"));

        RuleFor(x => x.EventType)
            .NotNull().WithMessage("event_type is required.")
            .Must(t => EventContract.EventTypeSet.Contains(t!))
                .WithMessage($"event_type must be one of {string.Join(", ", EventContract.EventTypes)} (case-sensitive).")
            .When(x => !x.HasReadError("event_type"));

        RuleFor(x => x.Severity)
            .Must(s => EventContract.SeveritySet.Contains(s!))
                .WithMessage($"severity must be one of {string.Join(", ", EventContract.Severities)} (case-sensitive).")
            .When(x => x.Severity is not null);

        RuleFor(x => x.Data)
            .NotNull().WithMessage("data is required and must be a JSON object ({} is allowed).")
            .When(x => !x.HasReadError("data"));

        RuleFor(x => x.Hostname)
            .Must(h => CodePoints(h!) <= EventContract.MaxHostnameLength)
                .WithMessage($"hostname must be at most {EventContract.MaxHostnameLength} characters.")
            .When(x => x.Hostname is not null);

        RuleFor(x => x.Region)
            .Must(r => CodePoints(r!) <= EventContract.MaxRegionLength)
                .WithMessage($"region must be at most {EventContract.MaxRegionLength} characters.")
            .When(x => x.Region is not null);

        RuleFor(x => x.Tags)
            .Must(t => t!.Count <= EventContract.MaxTags)
                .WithMessage($"tags must have at most {EventContract.MaxTags} entries.")
            .Must(t => t!.Keys.All(k => CodePoints(k) <= EventContract.MaxTagKeyLength))
                .WithMessage($"tag keys must be at most {EventContract.MaxTagKeyLength} characters.")
            .Must(t => t!.Values.All(v => CodePoints(v) <= EventContract.MaxTagValueLength))
                .WithMessage($"tag values must be at most {EventContract.MaxTagValueLength} characters.")
            .When(x => x.Tags is not null);
    }

    /// <summary>The JSON name of a rule's property, the key of its errors.</summary>
    public static string JsonName(string property) => property switch
    {
        nameof(EventSubmission.EventType) => "event_type",
        nameof(EventSubmission.EventId) => "event_id",
        _ => property.ToLowerInvariant(),
    };

    /// <summary>Length in Unicode code points, so an emoji counts as one character.</summary>
    public static int CodePoints(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static bool HasControlCharacters(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                return true;
            }
        }

        return false;
    }
}
