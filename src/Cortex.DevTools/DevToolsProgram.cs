using System.CommandLine;
using Cortex.DevTools.AwsLocal;

namespace Cortex.DevTools;

/// <summary>
/// `dotnet run --project src/Cortex.DevTools -- &lt;command&gt;`: development tools that must not ship in
/// the deployable (the Lambda package holds Cortex.Api only).
/// </summary>
public static class DevToolsProgram
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Cortex development tools.")
        {
            AwsLocalCommand.Create(Console.Out),
        };
        return root.Parse(args).InvokeAsync();
    }
}
