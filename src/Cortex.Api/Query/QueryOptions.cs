using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Query;

/// <summary>Listing settings (Cortex:Query).</summary>
public sealed class QueryOptions
{
    public const string SectionName = "Cortex:Query";

    /// <summary>
    /// Key that signs cursors (at least 32 bytes). When unset it is derived from
    /// Cortex:Auth:SigningKey, so every instance of one deployment agrees on it.
    /// </summary>
    public string? CursorKey { get; set; }

    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 100;

    [Range(1, 1000)]
    public int MaxLimit { get; set; } = 1000;
}
