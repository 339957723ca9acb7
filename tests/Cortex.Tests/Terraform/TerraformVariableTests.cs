using System.Diagnostics;

namespace Cortex.Tests.Terraform;

/// <summary>
/// The module's variable validations, evaluated by Terraform itself: variables.tf alone needs no
/// provider, so <c>terraform init</c> and <c>terraform plan</c> run offline on a copy of it.
/// </summary>
public sealed class TerraformVariableTests : IClassFixture<TerraformVariableTests.VariablesOnly>
{
    private readonly VariablesOnly _module;

    public TerraformVariableTests(VariablesOnly module) => _module = module;

    public static TheoryData<string, string> RefusedValues => new()
    {
        { "consumer_batch_size=100", "consumer_batch_size above 10 needs consumer_batching_window_seconds >= 1" },
        { "consumer_batch_size=10001", "consumer_batch_size must be a whole number between 1 and 10000" },
        { "consumer_batching_window_seconds=301", "consumer_batching_window_seconds must be a whole number between 0 and 300" },
        { "aws_region=cn-north-1", "China (cn-*) and GovCloud (us-gov-*) regions are not supported" },
        { "aws_region=us-gov-west-1", "China (cn-*) and GovCloud (us-gov-*) regions are not supported" },
        { "name_prefix=prod", "name_prefix must be lowercase letters, digits and dashes ending in a dash" },
        { "environment=a-very-long-environment", "environment must be lowercase letters, digits and dashes, at most 15" },
        { "lambda_adapter_layer_version=29", "lambda_snapstart needs lambda_adapter_layer_version >= 30" },
    };

    [Theory]
    [MemberData(nameof(RefusedValues))]
    public async Task TerraformRefusesAValueTheDeploymentCannotTake(string assignment, string message)
    {
        var (exitCode, output) = await _module.PlanAsync("-var", "alert_email=oncall@example.com", "-var", assignment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, Flatten(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALargeBatchWithABatchingWindowIsAccepted()
    {
        var (exitCode, output) = await _module.PlanAsync(
            "-var", "alert_email=oncall@example.com", "-var", "consumer_batch_size=1000", "-var", "consumer_batching_window_seconds=5");

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task WhoHearsTheAlarmsMustBeDecided()
    {
        var (unset, unsetOutput) = await _module.PlanAsync();
        var (explicitNone, explicitNoneOutput) = await _module.PlanAsync("-var-file", _module.Write("none.tfvars", "alert_email = null\n"));

        Assert.NotEqual(0, unset);
        Assert.Contains("\"alert_email\" is not set", Flatten(unsetOutput), StringComparison.Ordinal);
        Assert.True(explicitNone == 0, explicitNoneOutput);
    }

    private static string Flatten(string output) => string.Join(' ', output.Split((char[])['\n', '│', ' '], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A temporary directory holding terraform/variables.tf and nothing else, initialised once.</summary>
    public sealed class VariablesOnly : IAsyncLifetime
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "cortex-terraform-variables", Guid.NewGuid().ToString("N"));

        public async ValueTask InitializeAsync()
        {
            Directory.CreateDirectory(_directory);
            File.Copy(Path.Combine(TerraformModule.ModuleDirectory, "variables.tf"), Path.Combine(_directory, "variables.tf"));
            var (exitCode, output) = await RunAsync("init", "-input=false", "-no-color");
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"terraform init failed: {output}");
            }
        }

        public string Write(string name, string content)
        {
            var path = Path.Combine(_directory, name);
            File.WriteAllText(path, content);
            return path;
        }

        public Task<(int ExitCode, string Output)> PlanAsync(params string[] arguments) =>
            RunAsync(["plan", "-input=false", "-no-color", "-lock=false", .. arguments]);

        public ValueTask DisposeAsync()
        {
            Directory.Delete(_directory, recursive: true);
            return ValueTask.CompletedTask;
        }

        private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
        {
            var start = new ProcessStartInfo("terraform")
            {
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["TF_IN_AUTOMATION"] = "1";
            start.Environment["CHECKPOINT_DISABLE"] = "1";
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("terraform could not be started; it is part of the build image (PACKAGES.md).");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
    }
}
