using System.Globalization;

namespace Cortex.Api.Infrastructure.Aws.Local;

/// <summary>
/// `dotnet run --project src/Cortex.Api -- aws-local [--port 5000] [--endpoint url] [--resources path]`:
/// starts moto_server on loopback (or uses the emulator at --endpoint, such as docker-compose's
/// LocalStack), creates the resources of terraform/resources.json in it, and runs the app in Aws
/// mode against it with the in-process SQS poller on. Disposing stops moto.
/// </summary>
public sealed class AwsLocalCommand : IAsyncDisposable
{
    public const string Name = "aws-local";
    private readonly MotoServer? _moto;

    private AwsLocalCommand(MotoServer? moto, string[] appArgs)
    {
        _moto = moto;
        AppArgs = appArgs;
    }

    /// <summary>The arguments to build the web app with: the caller's own plus the emulator settings.</summary>
    public string[] AppArgs { get; }

    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == Name;

    /// <summary>Null unless the command line starts with aws-local.</summary>
    public static async Task<AwsLocalCommand?> StartIfInvokedAsync(string[] args)
    {
        if (!IsInvoked(args))
        {
            return null;
        }

        var port = 5000;
        string? resources = null;
        Uri? endpoint = null;
        var passThrough = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--port" && i + 1 < args.Length)
            {
                port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--endpoint" && i + 1 < args.Length)
            {
                endpoint = new Uri(args[++i]);
            }
            else if (args[i] == "--resources" && i + 1 < args.Length)
            {
                resources = args[++i];
            }
            else
            {
                passThrough.Add(args[i]);
            }
        }

        // The SDK's default credential chain must find something; moto accepts any keys.
        foreach (var (name, value) in new[] { ("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1") })
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        var definition = AwsResourceDefinition.Load(resources ?? AwsResourceDefinition.Locate());
        MotoServer? moto = null;
        if (endpoint is null)
        {
            Console.WriteLine($"aws-local: starting moto_server on 127.0.0.1:{port}");
            moto = await MotoServer.StartAsync(port, TimeSpan.FromSeconds(60));
            endpoint = moto.Endpoint;
        }

        try
        {
            ProvisionedResources provisioned;
            await using (var services = AwsLocalServices.Create(endpoint))
            {
                provisioned = await services.GetRequiredService<AwsProvisioner>().ProvisionAsync(definition, CancellationToken.None);
            }

            Console.WriteLine($"aws-local: created bus {definition.EventBus}, rule {definition.ToSqsRuleName}, queue {provisioned.QueueUrl}, table {definition.TableName}");
            var appArgs = new List<string>(passThrough)
            {
                "--Cortex:Mode=Aws",
                $"--AWS:ServiceURL={endpoint.ToString().TrimEnd('/')}",
                $"--AWS:Region={AwsLocalServices.Region.SystemName}",
                "--Cortex:Aws:Poller:Enabled=true",

                // moto delivers through a rule at a few events per second: give PutEvents room.
                "--Cortex:Aws:EventBridgeTimeout=00:01:00",
                "--Cortex:Aws:PublishRetryBudget=00:01:00",
            };
            appArgs.AddRange(provisioned.Settings().Select(s => $"--{s.Key}={s.Value}"));
            return new AwsLocalCommand(moto, [.. appArgs]);
        }
        catch
        {
            if (moto is not null)
            {
                await moto.DisposeAsync();
            }

            throw;
        }
    }

    public ValueTask DisposeAsync() => _moto?.DisposeAsync() ?? ValueTask.CompletedTask;
}
