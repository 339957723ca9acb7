using Cortex.Api.Ports;
using FluentValidation;

namespace Cortex.Api.Operations;

/// <summary>POST /operations/dead-letters/replay. Both fields optional.</summary>
public sealed record ReplayRequest(int? MaxMessages, int? MaxPerSecond)
{
    public const int DefaultMaxMessages = 100;
    public const int DefaultMaxPerSecond = 10;
}

/// <summary>POST /operations/dead-letters/purge: <c>confirm</c> must be the queue's name.</summary>
public sealed record PurgeRequest(string? Confirm);

public sealed class ReplayRequestValidator : AbstractValidator<ReplayRequest>
{
    public ReplayRequestValidator()
    {
        RuleFor(x => x.MaxMessages).InclusiveBetween(1, 100_000).When(x => x.MaxMessages is not null)
            .WithMessage("max_messages must be from 1 to 100000.").OverridePropertyName("max_messages");
        RuleFor(x => x.MaxPerSecond).InclusiveBetween(1, 1_000).When(x => x.MaxPerSecond is not null)
            .WithMessage("max_per_second must be from 1 to 1000.").OverridePropertyName("max_per_second");
    }
}

public sealed class PurgeRequestValidator : AbstractValidator<PurgeRequest>
{
    public PurgeRequestValidator(IDeadLetterQueue queue)
    {
        RuleFor(x => x.Confirm)
            .Equal(queue.Name)
            .WithMessage($"Purging deletes every dead letter for good: set confirm to the queue name '{queue.Name}'.")
            .OverridePropertyName("confirm");
    }
}
