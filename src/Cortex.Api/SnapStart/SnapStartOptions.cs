using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.SnapStart;

/// <summary>
/// The two paths the Lambda Web Adapter POSTs to around a SnapStart snapshot
/// (AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH and AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH). Mapped only
/// in Lambda (Cortex:Lambda:Enabled); API Gateway has no route to them, and the adapter answers 403
/// to any outside request for them.
/// </summary>
public sealed class SnapStartOptions
{
    public const string SectionName = "Cortex:Lambda:SnapStart";

    [Required]
    [RegularExpression("^/internal/[A-Za-z0-9/_.-]+$", ErrorMessage = "SnapStart hook paths must be under /internal/.")]
    public string BeforeCheckpointPath { get; set; } = "/internal/snapstart/before-checkpoint";

    [Required]
    [RegularExpression("^/internal/[A-Za-z0-9/_.-]+$", ErrorMessage = "SnapStart hook paths must be under /internal/.")]
    public string AfterRestorePath { get; set; } = "/internal/snapstart/after-restore";
}
