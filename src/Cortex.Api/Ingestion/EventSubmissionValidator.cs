using Cortex.Api.Events;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Ingestion;

/// <summary>
/// What ingestion accepts: the contract's field rules (<see cref="EventRules"/>, shared with the
/// consumer) and the time window around the server's clock, which only holds when an event arrives.
/// </summary>
public sealed class EventSubmissionValidator : AbstractValidator<EventSubmission>
{
    public EventSubmissionValidator(IOptions<IngestionOptions> options, TimeProvider clock)
    {
        var limits = options.Value;

        // A missing field gets one message, not "required" plus every rule that cannot apply.
        RuleLevelCascadeMode = CascadeMode.Stop;

        Include(EventRules.Instance);

        RuleFor(x => x.Timestamp)
            .Must(t => t!.Value <= clock.GetUtcNow() + limits.MaxFutureSkew)
                .WithMessage(_ => $"timestamp is more than {Describe(limits.MaxFutureSkew)} in the future.")
            .Must(t => t!.Value >= clock.GetUtcNow() - limits.MaxEventAge)
                .WithMessage(_ => $"timestamp is more than {Describe(limits.MaxEventAge)} in the past.")
            .When(x => x.Timestamp is not null);
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays)
            ? $"{span.TotalDays:0} days"
            : $"{span.TotalMinutes:0} minutes";
}
