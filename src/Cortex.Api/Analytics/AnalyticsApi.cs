using System.Security.Claims;
using Cortex.Api.Hosting;
using Cortex.Api.Operations;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Analytics;

/// <summary>Analytics jobs (scope events:read): submit, read, list, download. A job is visible to the subject that created it only.</summary>
public static class AnalyticsApi
{
    public const int MaxListLimit = 100;

    public static RouteGroupBuilder MapAnalyticsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/analytics/jobs")
            .WithTags("Analytics")
            .RequireAuthorization(Scopes.Read);

        group.MapPost("/", CreateJobAsync)
            .WithName("CreateAnalyticsJob")
            .WithSummary("Start an analytics job (summary, counts, metric, top_sources, silent_sources, integrity)")
            .Accepts<AnalyticsRequest>("application/json")
            .Produces<AnalyticsJobDocument>(StatusCodes.Status202Accepted)
            .Produces<AnalyticsJobDocument>(StatusCodes.Status200OK)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapGet("/{job_id}", GetJobAsync)
            .WithName("GetAnalyticsJob")
            .WithSummary("Read a job: its status, timings and its result (inline when small, else result_url)")
            .Produces<AnalyticsJobDocument>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/", ListJobsAsync)
            .WithName("ListAnalyticsJobs")
            .WithSummary("The caller's recent jobs, newest first, without results")
            .Produces<AnalyticsJobList>(StatusCodes.Status200OK)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{job_id}/result", DownloadResultAsync)
            .WithName("DownloadAnalyticsResult")
            .WithSummary("Download a result too large to return inline")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    internal static async Task<Results<Accepted<AnalyticsJobDocument>, Ok<AnalyticsJobDocument>, ProblemHttpResult>> CreateJobAsync(
        HttpContext context,
        IAnalyticsEngine engine,
        IAnalyticsJobStore store,
        AnalyticsJobRunner runner,
        IOptions<AnalyticsOptions> options,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (request, problem) = await OperatorRequestBody.ReadAsync<AnalyticsRequest>(context.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var settings = options.Value;
        var parsed = AnalyticsQueryParser.Parse(request ?? new AnalyticsRequest(null, null), settings);
        if (parsed.Query is not { } query)
        {
            return Invalid(parsed.Errors!);
        }

        var subject = Subject(context.User);
        var now = clock.GetUtcNow();
        var cacheKey = AnalyticsQueryParser.CacheKey(subject, query.Operation, parsed.CanonicalParameters!);
        if (await store.FindCachedAsync(subject, cacheKey, now - settings.CacheTtl, cancellationToken) is { } cached)
        {
            context.Response.Headers.Location = Location(cached.JobId);
            return TypedResults.Ok(await DocumentAsync(cached, store, cached: true, withResult: true, cancellationToken));
        }

        var recent = await store.ListAsync(subject, MaxListLimit, cancellationToken);
        if (recent.Count(j => !j.IsFinished) >= settings.MaxActiveJobsPerSubject)
        {
            return TooMany(context, settings.MaxActiveJobsPerSubject);
        }

        var estimate = await engine.EstimateAsync(query, cancellationToken);
        if (estimate.ExceedsBudget)
        {
            return Invalid(
                new Dictionary<string, string[]>
                {
                    ["parameters"] = [$"The job would read about {estimate.Amount} {estimate.Unit}, more than the budget of {estimate.Budget} {estimate.Unit}: narrow the range or add filters."],
                },
                new Dictionary<string, object?> { ["estimate"] = new { amount = estimate.Amount, unit = estimate.Unit, budget = estimate.Budget } });
        }

        var job = new AnalyticsJob(
            Guid.CreateVersion7(now), subject, query.Operation, parsed.CanonicalParameters!, cacheKey,
            AnalyticsJobStatus.Queued, now, now + settings.JobTtl);
        await store.CreateAsync(job, cancellationToken);
        runner.Enqueue(job.JobId);
        return TypedResults.Accepted(Location(job.JobId), AnalyticsJobDocument.From(job, cached: false, resultUrl: null, withResult: false));
    }

    internal static async Task<Results<Ok<AnalyticsJobDocument>, ProblemHttpResult>> GetJobAsync(
        string job_id, ClaimsPrincipal user, IAnalyticsJobStore store, CancellationToken cancellationToken)
    {
        if (await FindOwnJobAsync(job_id, user, store, cancellationToken) is not { } job)
        {
            return NotFound(job_id);
        }

        return TypedResults.Ok(await DocumentAsync(job, store, cached: false, withResult: true, cancellationToken));
    }

    internal static async Task<Results<Ok<AnalyticsJobList>, ProblemHttpResult>> ListJobsAsync(
        ClaimsPrincipal user, IAnalyticsJobStore store, CancellationToken cancellationToken, string? limit = null)
    {
        var count = 20;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxListLimit))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["limit"] = [$"limit must be a whole number from 1 to {MaxListLimit}."] }, StatusCodes.Status400BadRequest);
        }

        var jobs = await store.ListAsync(Subject(user), count, cancellationToken);
        return TypedResults.Ok(new AnalyticsJobList([.. jobs.Select(j => AnalyticsJobDocument.From(j, cached: false, resultUrl: null, withResult: false))]));
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadResultAsync(
        string job_id, ClaimsPrincipal user, IAnalyticsJobStore store, CancellationToken cancellationToken)
    {
        if (await FindOwnJobAsync(job_id, user, store, cancellationToken) is not { ResultStoredApart: true } job
            || await store.ReadResultAsync(job, cancellationToken) is not { } result)
        {
            return NotFound(job_id);
        }

        return TypedResults.File(result, "application/json", $"analytics-{job.JobId:D}.json");
    }

    private static async Task<AnalyticsJob?> FindOwnJobAsync(string jobId, ClaimsPrincipal user, IAnalyticsJobStore store, CancellationToken cancellationToken)
    {
        // Another subject's job answers exactly as a missing one: its id says nothing.
        return Guid.TryParseExact(jobId, "D", out var id) && await store.GetAsync(id, cancellationToken) is { } job && job.Subject == Subject(user)
            ? job
            : null;
    }

    private static async Task<AnalyticsJobDocument> DocumentAsync(
        AnalyticsJob job, IAnalyticsJobStore store, bool cached, bool withResult, CancellationToken cancellationToken)
    {
        var url = job.ResultStoredApart && withResult ? await store.ResultLinkAsync(job, cancellationToken) : null;
        return AnalyticsJobDocument.From(job, cached, url, withResult);
    }

    private static string Subject(ClaimsPrincipal user) => user.FindFirstValue("sub") ?? "no-subject";

    private static string Location(Guid jobId) => $"/analytics/jobs/{jobId:D}";

    private static ProblemHttpResult NotFound(string jobId) =>
        Problems.Create(StatusCodes.Status404NotFound, "Not found", $"No analytics job {jobId} of yours (jobs expire after their TTL).");

    private static ProblemHttpResult Invalid(IDictionary<string, string[]> errors, IDictionary<string, object?>? extensions = null) =>
        Problems.Validation(errors, StatusCodes.Status422UnprocessableEntity, "The analytics job is invalid", extensions);

    private static ProblemHttpResult TooMany(HttpContext context, int limit)
    {
        context.Response.Headers.RetryAfter = "5";
        return Problems.Create(StatusCodes.Status429TooManyRequests, "Too many requests",
            $"This subject already has {limit} analytics jobs queued or running; wait for one to finish.");
    }
}
