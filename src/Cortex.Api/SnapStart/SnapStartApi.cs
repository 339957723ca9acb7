using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime.Credentials;
using Cortex.Api.Hosting;
using Microsoft.Extensions.Options;

namespace Cortex.Api.SnapStart;

public static class SnapStartApi
{
    // API Gateway sends its request context in this header; the adapter's own requests carry none.

    /// <summary>
    /// In Lambda: the hook options, and the AWS clients' credentials behind one resettable object.
    /// Call after the storage registration, whose AWS options it completes.
    /// </summary>
    public static IHostApplicationBuilder AddCortexSnapStart(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SnapStartOptions>()
            .BindConfiguration(SnapStartOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SnapStartHooks>();

        if (builder.Configuration.GetValue<bool>($"{LambdaOptions.SectionName}:{nameof(LambdaOptions.Enabled)}"))
        {
            foreach (var aws in builder.Services.Where(service => service.ServiceType == typeof(AWSOptions))
                .Select(service => service.ImplementationInstance).OfType<AWSOptions>())
            {
                aws.Credentials ??= new RestorableAwsCredentials(() => DefaultAWSCredentialsIdentityResolver.GetCredentials());
            }
        }

        return builder;
    }

    /// <summary>The before-checkpoint and after-restore hooks, mapped only in Lambda.</summary>
    public static IEndpointRouteBuilder MapSnapStartApi(this IEndpointRouteBuilder routes)
    {
        if (!routes.ServiceProvider.GetRequiredService<IOptions<LambdaOptions>>().Value.Enabled)
        {
            return routes;
        }

        var options = routes.ServiceProvider.GetRequiredService<IOptions<SnapStartOptions>>().Value;
        routes.MapPost(options.BeforeCheckpointPath, (HttpRequest request, SnapStartHooks hooks) => Run(request, hooks.BeforeCheckpoint))
            .AllowAnonymous()
            .ExcludeFromDescription();
        routes.MapPost(options.AfterRestorePath, (HttpRequest request, SnapStartHooks hooks) => Run(request, hooks.AfterRestore))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return routes;
    }

    private static IResult Run(HttpRequest request, Action hook)
    {
        if (ClientAddress.CarriesApiGatewayContext(request))
        {
            return TypedResults.NotFound();
        }

        hook();
        return TypedResults.NoContent();
    }
}
