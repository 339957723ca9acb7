namespace Cortex.Api.Query;

public static class QueryExtensions
{
    public static IHostApplicationBuilder AddCortexQuery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueryOptions>()
            .BindConfiguration(QueryOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.CursorKey is null || System.Text.Encoding.UTF8.GetByteCount(o.CursorKey) >= 32,
                "Cortex:Query:CursorKey must be at least 32 bytes.")
            .Validate(o => o.DefaultLimit <= o.MaxLimit, "Cortex:Query:DefaultLimit must not exceed MaxLimit.")
            .ValidateOnStart();
        builder.Services.AddSingleton<CursorCodec>();

        // Registered here, not by the Swagger setup in Hosting: features depend on Hosting, never the reverse.
        builder.Services.ConfigureSwaggerGen(options => options.OperationFilter<QueryParametersFilter>());
        return builder;
    }
}
