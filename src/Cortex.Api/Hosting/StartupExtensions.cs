namespace Cortex.Api.Hosting;

public static class StartupExtensions
{
    private const string DataProtectionKeyRingWarmUp = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>
    /// Drops start-up work the framework registers for features Cortex does not use. Call it last,
    /// after every registration that could add such work. ASP.NET Core Data Protection comes with
    /// AddAuthentication, and its hosted service loads (or creates and writes) the key ring at every
    /// start; Cortex protects nothing with it (bearer tokens only: no cookies, no antiforgery), so
    /// the key ring is never needed and no longer loaded.
    /// </summary>
    public static IHostApplicationBuilder RemoveUnusedStartupWork(this IHostApplicationBuilder builder)
    {
        var warmUps = builder.Services
            .Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == DataProtectionKeyRingWarmUp)
            .ToList();
        foreach (var warmUp in warmUps)
        {
            builder.Services.Remove(warmUp);
        }

        return builder;
    }
}
