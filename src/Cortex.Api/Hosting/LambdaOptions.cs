using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Hosting;

/// <summary>Running inside AWS Lambda behind the Lambda Web Adapter (Cortex:Lambda).</summary>
public sealed class LambdaOptions
{
    public const string SectionName = "Cortex:Lambda";

    /// <summary>True only in Lambda: maps the pass-through endpoint that receives SQS batches.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where the adapter POSTs non-HTTP events (AWS_LWA_PASS_THROUGH_PATH). Never the adapter's
    /// default /events, which is the public ingestion path.
    /// </summary>
    [Required]
    [RegularExpression("^/[A-Za-z0-9/_.-]+$", ErrorMessage = "Cortex:Lambda:PassThroughPath must be an absolute path such as /internal/lambda-events.")]
    public string PassThroughPath { get; set; } = "/internal/lambda-events";
}
