using Cortex.Api.Events;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Query;

public sealed class QueryRequestValidator : AbstractValidator<QueryRequest>
{
    /// <summary>The rules of every parameter but the cursor, which the listing checks as it decodes it.</summary>
    public QueryRequestValidator(IOptions<QueryOptions> options)
    {
        var maxLimit = options.Value.MaxLimit;
        RuleLevelCascadeMode = CascadeMode.Stop;

        // One "query" key for these errors, not query[0], query[1].
        RuleForEach(x => x.UnknownParameters)
            .OverrideIndexer((_, _, _, _) => string.Empty)
            .Must(_ => false)
            .WithMessage((_, name) => $"Unknown query parameter '{name}'. Known: {string.Join(", ", QueryRequest.KnownParameters)}.")
            .OverridePropertyName("query");

        RuleForEach(x => x.RepeatedParameters)
            .OverrideIndexer((_, _, _, _) => string.Empty)
            .Must(_ => false)
            .WithMessage((_, name) => $"Query parameter '{name}' may appear only once.")
            .OverridePropertyName("query");

        RuleFor(x => x.Source)
            .Must(s => EventRules.CodePoints(s!) is >= 1 and <= EventContract.MaxSourceLength)
            .WithMessage($"source must be 1 to {EventContract.MaxSourceLength} characters.")
            .When(x => x.Source is not null)
            .OverridePropertyName("source");

        RuleFor(x => x.EventType)
            .Must(t => EventContract.EventTypeSet.Contains(t!))
            .WithMessage($"event_type must be one of {string.Join(", ", EventContract.EventTypes)}.")
            .When(x => x.EventType is not null)
            .OverridePropertyName("event_type");

        RuleFor(x => x.Severity)
            .Must(s => EventContract.SeveritySet.Contains(s!))
            .WithMessage($"severity must be one of {string.Join(", ", EventContract.Severities)}.")
            .When(x => x.Severity is not null)
            .OverridePropertyName("severity");

        RuleFor(x => x.From)
            .Must(f => Rfc3339.TryParse(f, out _))
            .WithMessage("from must be an RFC 3339 date-time with Z or an offset.")
            .When(x => x.From is not null)
            .OverridePropertyName("from");

        RuleFor(x => x.To)
            .Must(t => Rfc3339.TryParse(t, out _))
            .WithMessage("to must be an RFC 3339 date-time with Z or an offset.")
            .When(x => x.To is not null)
            .OverridePropertyName("to");

        RuleFor(x => x)
            .Must(x => x.FromMs <= x.ToMs)
            .WithMessage("from must not be later than to.")
            .When(x => x.FromMs is not null && x.ToMs is not null)
            .OverridePropertyName("from");

        RuleFor(x => x.LimitValue)
            .Must(n => n >= 1 && n <= maxLimit)
            .WithMessage($"limit must be a whole number from 1 to {maxLimit}.")
            .When(x => x.Limit is not null)
            .OverridePropertyName("limit");
    }
}
