using System.Net;
using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Query;

/// <summary>Expiry on a fake clock: reads hide expired events at once, the cleanup deletes them on its timer.</summary>
public sealed class RetentionTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CortexApplication _app = new(new Dictionary<string, string?>
    {
        ["Cortex:Ingestion:Retention"] = "1.00:00:00",
        ["Cortex:Embedded:CleanupInterval"] = "3.00:00:00",
    });

    private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory;

    public RetentionTests()
    {
        _factory = _app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(_clock)));
    }

    [Fact]
    public async Task AnExpiredEventIsNotReturnedAndIsDeletedByTheCleanup()
    {
        var client = Client();
        var source = Unique("retention");
        var postedAt = _clock.GetUtcNow();
        var eventId = await PostAcceptedAsync(client, Event(source));
        var stored = await GetEventAsync(client, eventId);
        var ttl = stored.GetProperty("ttl").GetInt64();

        _clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var afterExpiry = await client.GetAsync($"/events/{eventId}", Cancellation);
        var listedAfterExpiry = await ListBySourceAsync(client, source);
        var rowsBeforeCleanup = _app.CountStoredById(eventId);

        _clock.Advance(TimeSpan.FromDays(3));
        var rowsAfterCleanup = await EventuallyAsync(() => _app.CountStoredById(eventId), 0);

        Assert.Equal((postedAt + TimeSpan.FromDays(1)).ToUnixTimeSeconds(), ttl);
        await AssertProblemAsync(afterExpiry, HttpStatusCode.NotFound);
        Assert.Equal(0, listedAfterExpiry.GetArrayLength());
        Assert.Equal(1, rowsBeforeCleanup);
        Assert.Equal(0, rowsAfterCleanup);
    }

    [Fact]
    public async Task AnEventBeforeItsTtlIsReturnedAndKept()
    {
        var client = Client();
        var source = Unique("retention-live");
        var eventId = await PostAcceptedAsync(client, Event(source));

        _clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1));
        var response = await client.GetAsync($"/events/{eventId}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    public void Dispose()
    {
        _factory.Dispose();
        _app.Dispose();
    }

    private HttpClient Client()
    {
        var client = _factory.CreateClient();

        // Valid both at the real time (JwtBearer's clock) and at the advanced fake time.
        var token = TokenIssuer.Create(CortexApplication.Auth, "agent-retention", Scopes.All, TimeSpan.FromDays(10));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<long> EventuallyAsync(Func<long> probe, long expected)
    {
        // Polls the background cleanup; the bound only stops a broken build from hanging.
        var value = probe();
        for (var i = 0; i < 200 && value != expected; i++)
        {
            await Task.Delay(50, Cancellation);
            value = probe();
        }

        return value;
    }
}
