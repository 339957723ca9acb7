namespace Cortex.Bare;

/// <summary>
/// The floor Cortex is measured against: the same ASP.NET Core host and Kestrel, routes at the
/// same paths, and nothing else. Each request's body is read to the end and answered 202; there is
/// no auth, validation, storage or request logging. benchmarks/compare-with-bare.sh drives this
/// app and Cortex with the same tool in the same run, so their ratio prices what Cortex adds.
/// </summary>
public static class BareApp
{
    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/events", DrainAsync);
        app.MapPost("/events/batch", DrainAsync);
        return app;
    }

    internal static async Task<IResult> DrainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        await request.Body.CopyToAsync(Stream.Null, cancellationToken);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }
}
