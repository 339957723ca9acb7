namespace Cortex.Api.Hosting;

/// <summary>The scopes a token carries in its space-separated <c>scope</c> claim; each is also a policy name.</summary>
public static class Scopes
{
    public const string Write = "events:write";
    public const string Read = "events:read";
    public const string Admin = "events:admin";

    public static readonly string[] All = [Write, Read, Admin];
}
