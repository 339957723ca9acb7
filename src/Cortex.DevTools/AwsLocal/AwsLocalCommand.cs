using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// `dotnet run --project src/Cortex.DevTools -- aws-local [options] [app arguments]`: starts
/// moto_server on loopback (or uses the emulator at --endpoint, such as docker-compose's
/// LocalStack), creates the resources of terraform/resources.json in it, and runs Cortex.Api in Aws
/// mode against it with the in-process SQS poller on. When the app stops, moto stops.
/// </summary>
internal static class AwsLocalCommand
{
    public const string Name = "aws-local";

    public static Command Create(TextWriter output)
    {
        var port = new Option<int>("--port")
        {
            Description = "The loopback port for moto_server (ignored with --endpoint).",
            DefaultValueFactory = _ => 5000,
        };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                result.AddError("--port must be 1 to 65535.");
            }
        });
        var endpoint = new Option<Uri?>("--endpoint")
        {
            Description = "An emulator that is already running (e.g. LocalStack at http://localhost:4566): no moto is started.",
            CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri)
                ? uri
                : Fail<Uri>(result, "--endpoint must be an absolute URL."),
        };
        var resources = new Option<FileInfo?>("--resources")
        {
            Description = $"The resource definition (default: {AwsResourceDefinition.RelativePath} above the working directory).",
        };
        var visibility = new Option<int?>("--queue-visibility-timeout")
        {
            Description = "The consumer queue's visibility timeout in seconds (default: the definition's). "
                + "Pass the app --Cortex:Aws:Poller:VisibilityTimeoutSeconds too: the poller asks for its own on every receive.",
        };

        var command = new Command(Name, "Run Cortex in Aws mode against a local AWS emulator (moto by default). "
            + "Arguments it does not know go to the app and win over every setting it makes, e.g. --urls http://127.0.0.1:5081.")
        {
            port, endpoint, resources, visibility,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellationToken) => RunAsync(
            new AwsLocalRequest(
                parse.GetValue(port),
                parse.GetValue(endpoint),
                parse.GetValue(resources)?.FullName,
                parse.GetValue(visibility),
                [.. parse.UnmatchedTokens]),
            output,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(AwsLocalRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        var definition = AwsResourceDefinition.Load(request.Resources ?? AwsResourceDefinition.Locate());
        if (request.QueueVisibilityTimeoutSeconds is { } seconds)
        {
            definition = definition with { QueueVisibilityTimeoutSeconds = seconds };
        }

        MotoServer? moto = null;
        try
        {
            var endpoint = request.Endpoint;
            if (endpoint is null)
            {
                output.WriteLine($"aws-local: starting moto_server on 127.0.0.1:{request.Port}");
                if (!ChildProcess.DiesWithParent)
                {
                    output.WriteLine("aws-local: setpriv (util-linux) is missing: if this tool is killed with SIGKILL, stop moto_server yourself.");
                }

                moto = await MotoServer.StartAsync(request.Port, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
                endpoint = moto.Endpoint;
            }

            ProvisionedResources provisioned;
            await using (var services = AwsLocalServices.Create(endpoint))
            {
                provisioned = await services.GetRequiredService<AwsProvisioner>().ProvisionAsync(definition, cancellationToken);
            }

            var awsMode = AppEnvironment.AwsMode(endpoint, provisioned);
            var defaults = AppEnvironment.Defaults(Environment.GetEnvironmentVariable);
            PrintSummary(output, definition, provisioned, awsMode);

            var environment = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
            foreach (var (name, value) in awsMode)
            {
                environment[name] = value;
            }

            return await ApiProcess.RunAsync(ApiProcess.StartInfo(request.AppArguments, environment), cancellationToken);
        }
        catch (PortInUseException ex)
        {
            await Console.Error.WriteLineAsync($"aws-local: {ex.Message}");
            return 3;
        }
        finally
        {
            if (moto is not null)
            {
                await moto.DisposeAsync();
            }
        }
    }

    /// <summary>What was created, and the settings another shell needs for `dlq` commands against it.</summary>
    private static void PrintSummary(
        TextWriter output, AwsResourceDefinition definition, ProvisionedResources provisioned, IReadOnlyDictionary<string, string> awsMode)
    {
        output.WriteLine($"aws-local: created bus {definition.EventBus}, rule {definition.ToSqsRuleName}, table {definition.TableName}");
        output.WriteLine($"aws-local: queue {provisioned.QueueUrl} (visibility timeout {definition.QueueVisibilityTimeoutSeconds} s)");
        output.WriteLine($"aws-local: dead-letter queue {provisioned.DeadLetterQueueUrl}");
        output.WriteLine("aws-local: to run `dlq` commands against this emulator from another shell, first run:");
        // The emulator accepts any keys; real ones from this shell are not echoed.
        var credentials = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
        };
        output.WriteLine("export " + string.Join(' ', awsMode.Concat(credentials).Select(v => $"{v.Key}={v.Value}")));
    }

    private static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}

/// <summary>What the user asked aws-local for.</summary>
internal sealed record AwsLocalRequest(
    int Port, Uri? Endpoint, string? Resources, int? QueueVisibilityTimeoutSeconds, IReadOnlyList<string> AppArguments);
