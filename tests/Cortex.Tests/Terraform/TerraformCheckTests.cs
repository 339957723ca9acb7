using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cortex.Tests.Terraform;

/// <summary>
/// What <c>terraform validate</c> would catch, checked without a provider download: the module
/// against the hashicorp/aws schema and its references. Fixtures/faults/main.tf holds one of each
/// fault, so every rule is shown to fail.
/// </summary>
public sealed partial class TerraformCheckTests
{
    [Fact]
    public async Task EveryBlockOfTheModuleMatchesTheAwsProviderSchema()
    {
        var check = await TerraformCheck.RunAsync(TerraformModule.ModuleDirectory);

        Assert.Empty(check.SchemaErrors);
        Assert.Equal("6.25.0", check.ProviderVersion);
        Assert.True(check.Blocks >= 70, $"only {check.Blocks} resource and data blocks were checked");
    }

    [Fact]
    public async Task EveryReferenceOfTheModuleResolvesWithoutACycle()
    {
        var check = await TerraformCheck.RunAsync(TerraformModule.ModuleDirectory);

        Assert.Empty(check.ReferenceErrors);
        Assert.True(check.References >= 400, $"only {check.References} references were checked");
    }

    [Fact]
    public async Task TheSchemaCheckReportsUnknownTypesArgumentsAndBlocksAndMissingRequiredArguments()
    {
        var check = await TerraformCheck.RunAsync(TerraformModule.FixtureDirectory("faults"));

        Assert.Equal(
            [
                "main.tf: aws_dynamodb_table.broken.attribute: unknown argument \"format\"",
                "main.tf: aws_dynamodb_table.broken: unknown block \"autoscaling\"",
                "main.tf: aws_lambda_function.broken.tracing_config: unknown argument \"sampled\"",
                "main.tf: aws_lambda_function.broken: missing required argument \"role\"",
                "main.tf: aws_lambda_functoin.misspelt: unknown resource type \"aws_lambda_functoin\"",
                "main.tf: aws_sqs_queue.single: unknown argument \"visibility_timeout\"",
                "main.tf: data.aws_iam_policy_document.broken.statement.principals: missing required argument \"identifiers\"",
            ],
            check.SchemaErrors);
    }

    [Fact]
    public async Task TheReferenceCheckReportsUndeclaredNamesMissingOrStrayIndexesBadAttributesAndCycles()
    {
        var check = await TerraformCheck.RunAsync(TerraformModule.FixtureDirectory("faults"));

        Assert.Equal(
            [
                "dependency cycle: local.ping -> local.pong -> local.ping",
                "main.tf: aws_lambda_function.broken: aws_sqs_queue.missing.url refers to an undeclared resource aws_sqs_queue.missing",
                "main.tf: aws_lambda_function.broken: aws_sqs_queue.repeated.url reads an attribute of aws_sqs_queue.repeated, which has count, without an index",
                "main.tf: aws_lambda_function.broken: aws_sqs_queue.single.queue_url reads \"queue_url\", which aws_sqs_queue does not have",
                "main.tf: aws_lambda_function.broken: aws_sqs_queue.single[0].arn indexes aws_sqs_queue.single, which has neither count nor for_each",
                "main.tf: aws_lambda_function.broken: data.aws_caller_identity.missing.account_id refers to an undeclared data source data.aws_caller_identity.missing",
                "main.tf: aws_lambda_function.broken: local.undeclared_local refers to an undeclared local value",
                "main.tf: aws_lambda_function.broken: var.undeclared_variable refers to an undeclared variable",
            ],
            check.ReferenceErrors);
    }

    [Fact]
    public void TheProviderIsPinnedToOneExactVersionAndTheSchemaPackageToo()
    {
        var versions = File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "versions.tf"));
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "tests", "package.json")));

        var pin = ProviderVersion().Match(versions);

        Assert.True(pin.Success, "versions.tf must pin hashicorp/aws to one exact version (version = \"x.y.z\")");
        Assert.Equal("21.22.1", package.RootElement.GetProperty("dependencies").GetProperty("@cdktf/provider-aws").GetString());
        Assert.True(File.Exists(Path.Combine(TerraformModule.ModuleDirectory, "tests", "package-lock.json")));
    }

    [GeneratedRegex("""source\s*=\s*"hashicorp/aws"\s*\n(?:\s*#.*\n)*\s*version\s*=\s*"[0-9]+\.[0-9]+\.[0-9]+"\s*\n""")]
    private static partial Regex ProviderVersion();
}
