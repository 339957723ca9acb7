using System.Net;
using System.Reflection;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Cortex.Api.Events;
using Cortex.Api.SnapStart;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cortex.Tests.SnapStart;

/// <summary>
/// The SnapStart hooks the Lambda Web Adapter calls. A snapshot is simulated by copying what it
/// would hold of the id generator (its per-thread random block and the global generation) and
/// putting that copy back once per "restored environment".
/// </summary>
public sealed class SnapStartHooksTests
{
    private const string BeforeCheckpoint = "/internal/snapstart/before-checkpoint";
    private const string AfterRestore = "/internal/snapstart/after-restore";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WithoutTheRestoreHookTwoEnvironmentsFromOneSnapshotHandOutTheSameIds()
    {
        var (first, second) = OnOneThread(() =>
        {
            Uuid7.New(Now);
            var snapshot = Snapshot.Take();

            snapshot.Restore();
            var first = Uuid7.New(Now);
            snapshot.Restore();
            var second = Uuid7.New(Now);
            return (first, second);
        });

        Assert.Equal(first, second);
    }

    [Fact]
    public void AfterTheRestoreHookTwoEnvironmentsFromOneSnapshotDrawDifferentRandomBits()
    {
        using var app = LambdaApplication();
        using var client = app.CreateClient();
        var hooks = app.Services.GetRequiredService<SnapStartHooks>();

        var (first, second) = OnOneThread(() =>
        {
            Uuid7.New(Now);
            var snapshot = Snapshot.Take();

            snapshot.Restore();
            hooks.AfterRestore();
            var first = Uuid7.New(Now);
            snapshot.Restore();
            hooks.AfterRestore();
            var second = Uuid7.New(Now);
            return (first, second);
        });

        Assert.NotEqual(RandomBits(first), RandomBits(second));
    }

    [Fact]
    public async Task TheAfterRestorePathResetsTheAwsCredentialsSoTheNextCallFetchesNewOnes()
    {
        var credentials = new CountingCredentials();
        using var app = LambdaApplication(new RestorableAwsCredentials(() => credentials));
        using var client = app.CreateClient();
        var aws = app.Services.GetRequiredService<AWSOptions>().Credentials!;
        await aws.GetCredentialsAsync();

        using var restored = await client.PostAsync(new Uri(AfterRestore, UriKind.Relative), null, TestContext.Current.CancellationToken);
        await aws.GetCredentialsAsync();

        Assert.Equal(HttpStatusCode.NoContent, restored.StatusCode);
        Assert.Equal(2, credentials.Fetched);
    }

    [Fact]
    public async Task TheBeforeCheckpointPathAnswersNoContent()
    {
        using var app = LambdaApplication();
        using var client = app.CreateClient();

        using var response = await client.PostAsync(new Uri(BeforeCheckpoint, UriKind.Relative), null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData(BeforeCheckpoint)]
    [InlineData(AfterRestore)]
    public async Task AHookRequestCarryingAnApiGatewayRequestContextIsNotFound(string path)
    {
        using var app = LambdaApplication();
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("x-amzn-request-context", """{"requestId":"abc","stage":"v1"}""");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(BeforeCheckpoint)]
    [InlineData(AfterRestore)]
    public async Task OutsideLambdaTheHookPathsDoNotExist(string path)
    {
        using var app = new CortexApplication();
        using var client = app.CreateClient();

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void InLambdaTheAwsClientsSignWithResettableCredentials()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Cortex:Lambda:Enabled"] = "true";
        builder.Services.AddDefaultAWSOptions(new AWSOptions());

        builder.AddCortexSnapStart();

        var options = (AWSOptions)builder.Services.Single(service => service.ServiceType == typeof(AWSOptions)).ImplementationInstance!;
        Assert.IsType<RestorableAwsCredentials>(options.Credentials);
    }

    private static byte[] RandomBits(Guid id) => id.ToByteArray(bigEndian: true)[6..];

    private static T OnOneThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("The thread failed.", failure);
    }

    /// <summary>The id generator's state as a snapshot holds it: this thread's block and position, and the global generation.</summary>
    private sealed record Snapshot(byte[] Block, int Used, int BlockGeneration, int Generation)
    {
        private static readonly FieldInfo RandomField = Field("_random");
        private static readonly FieldInfo UsedField = Field("_used");
        private static readonly FieldInfo BlockGenerationField = Field("_blockGeneration");
        private static readonly FieldInfo GenerationField = Field("_generation");

        public static Snapshot Take() => new(
            ((byte[])RandomField.GetValue(null)!).ToArray(),
            (int)UsedField.GetValue(null)!,
            (int)BlockGenerationField.GetValue(null)!,
            (int)GenerationField.GetValue(null)!);

        public void Restore()
        {
            RandomField.SetValue(null, Block.ToArray());
            UsedField.SetValue(null, Used);
            BlockGenerationField.SetValue(null, BlockGeneration);
            GenerationField.SetValue(null, Generation);
        }

        private static FieldInfo Field(string name) =>
            typeof(Uuid7).GetField(name, BindingFlags.NonPublic | BindingFlags.Static) ?? throw new MissingFieldException(nameof(Uuid7), name);
    }

    private sealed class CountingCredentials : RefreshingAWSCredentials
    {
        public int Fetched { get; private set; }

        protected override CredentialsRefreshState GenerateNewCredentials()
        {
            Fetched++;
            return new CredentialsRefreshState(new ImmutableCredentials("AKID" + Fetched, "secret", null), DateTime.UtcNow.AddHours(1));
        }
    }

    /// <summary>The app as it runs in Lambda (Embedded storage is enough for the hooks).</summary>
    private static CortexApplication LambdaApplication(AWSCredentials? credentials = null) => new(
        new Dictionary<string, string?> { ["Cortex:Lambda:Enabled"] = "true" },
        testServices: credentials is null ? null : services => services.AddDefaultAWSOptions(new AWSOptions { Credentials = credentials }));
}
