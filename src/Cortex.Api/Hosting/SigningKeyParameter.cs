using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Hosting;

/// <summary>
/// Where the HS256 signing key lives when deployed (Cortex:Auth:SigningKeyParameter): an SSM
/// Parameter Store SecureString, read once at startup, so the key is in neither the function's
/// configuration nor the Terraform state. Cortex:Auth:SigningKey is for local runs only.
/// </summary>
public sealed class SigningKeyParameterOptions
{
    public const string SectionName = AuthOptions.SectionName;

    /// <summary>The parameter's name, for example /prod/cortex/auth/signing-key.</summary>
    [RegularExpression("^/[A-Za-z0-9_./-]+$", ErrorMessage = "Cortex:Auth:SigningKeyParameter must be a hierarchical SSM name starting with /.")]
    public string? SigningKeyParameter { get; set; }
}

public static class SigningKeyParameterExtensions
{
    /// <summary>Fills <see cref="AuthOptions.SigningKey"/> from SSM when Cortex:Auth:SigningKeyParameter is set.</summary>
    public static IServiceCollection AddCortexSigningKeyParameter(this IServiceCollection services)
    {
        services.AddOptions<SigningKeyParameterOptions>()
            .BindConfiguration(SigningKeyParameterOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddAWSService<IAmazonSimpleSystemsManagement>();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, SigningKeyFromParameterStore>();
        return services;
    }
}

/// <summary>
/// Reads the key before <see cref="AuthOptions"/> is validated and used. Options are built
/// synchronously, so the one SSM call blocks startup until it answers; nothing else runs yet.
/// </summary>
internal sealed class SigningKeyFromParameterStore(
    IOptions<SigningKeyParameterOptions> parameter,
    IConfiguration configuration,
    IServiceProvider services) : IPostConfigureOptions<AuthOptions>
{
    // Set by the Lambda runtime in every function's environment; never set by a local run.
    private const string LambdaFunctionName = "AWS_LAMBDA_FUNCTION_NAME";

    public void PostConfigure(string? name, AuthOptions options)
    {
        var parameterName = parameter.Value.SigningKeyParameter;
        if (string.IsNullOrWhiteSpace(parameterName))
        {
            if (!string.IsNullOrEmpty(configuration[LambdaFunctionName]) && string.IsNullOrWhiteSpace(options.Authority))
            {
                throw Failure("In Lambda the signing key comes from SSM Parameter Store: set Cortex:Auth:SigningKeyParameter. Cortex:Auth:SigningKey is for local runs only.");
            }

            return;
        }

        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            throw Failure("Set Cortex:Auth:SigningKeyParameter or Cortex:Auth:SigningKey, not both.");
        }

        options.SigningKey = Read(parameterName);
    }

    private string Read(string parameterName)
    {
        var ssm = services.GetRequiredService<IAmazonSimpleSystemsManagement>();
        try
        {
            var response = ssm.GetParameterAsync(new GetParameterRequest { Name = parameterName, WithDecryption = true })
                .GetAwaiter().GetResult();
            if (response.Parameter.Type != ParameterType.SecureString)
            {
                throw Failure($"SSM parameter {parameterName} is a {response.Parameter.Type}; the signing key must be a SecureString.");
            }

            return response.Parameter.Value;
        }
        catch (ParameterNotFoundException)
        {
            throw Failure($"SSM parameter {parameterName} (Cortex:Auth:SigningKeyParameter) does not exist in this account and region.");
        }
        catch (AmazonServiceException ex)
        {
            throw Failure($"SSM parameter {parameterName} could not be read: {ex.ErrorCode} {ex.Message}");
        }
    }

    // The exception ValidateOnStart throws, so a missing key reads like every other refused setting.
    private static OptionsValidationException Failure(string message) =>
        new(Options.DefaultName, typeof(AuthOptions), [message]);
}
