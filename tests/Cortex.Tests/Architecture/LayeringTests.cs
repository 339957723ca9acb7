using System.Reflection;
using System.Text.RegularExpressions;

namespace Cortex.Tests.Architecture;

/// <summary>Features depend on ports, never on the adapters under Infrastructure.</summary>
public sealed partial class LayeringTests
{
    private static readonly string[] Features = ["Events", "Ingestion", "Query", "Health"];

    [Fact]
    public void FeatureSourceFilesDoNotReferenceInfrastructure()
    {
        var offenders = new List<string>();
        foreach (var feature in Features)
        {
            var folder = Repository.PathOf("src", "Cortex.Api", feature);
            Assert.True(Directory.Exists(folder), folder);
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (Match match in InfrastructureReference().Matches(text))
                {
                    offenders.Add($"{Path.GetRelativePath(Repository.Root, file)}: {match.Value}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void FeatureTypesDoNotUseInfrastructureTypesInTheirSignatures()
    {
        var assembly = typeof(Cortex.Api.Ingestion.IngestionApi).Assembly;
        var featureTypes = assembly.GetTypes()
            .Where(t => Features.Any(f => t.Namespace?.StartsWith($"Cortex.Api.{f}", StringComparison.Ordinal) == true))
            .ToList();

        var offenders = featureTypes
            .SelectMany(t => ReferencedTypes(t).Where(IsInfrastructure).Select(r => $"{t.FullName} -> {r.FullName}"))
            .Distinct()
            .ToList();

        Assert.NotEmpty(featureTypes);
        Assert.Contains(assembly.GetTypes(), IsInfrastructure);
        Assert.Empty(offenders);
    }

    [Fact]
    public void HostingNamesNoTypeOfAFeatureSoNoFeatureCanFormACycleWithIt()
    {
        // Features use Hosting (auth scopes, problems, validation); Hosting serves them all and
        // must name none of their types, also not by a relative name such as Query.X.
        string[] features = ["Events", "Ingestion", "Query", "Health", "Consumer", "Operations"];
        var featureTypes = features
            .SelectMany(f => Directory.EnumerateFiles(Repository.PathOf("src", "Cortex.Api", f), "*.cs", SearchOption.AllDirectories))
            .SelectMany(file => DeclaredType().Matches(File.ReadAllText(file)).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);
        var offenders = Directory.EnumerateFiles(Repository.PathOf("src", "Cortex.Api", "Hosting"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => Identifier().Matches(File.ReadAllText(file))
                .Select(m => m.Value)
                .Where(featureTypes.Contains)
                .Select(name => $"{Path.GetFileName(file)}: {name}"))
            .Distinct()
            .ToList();

        Assert.Contains("QueryParametersFilter", featureTypes);
        Assert.Empty(offenders);
    }

    private static bool IsInfrastructure(Type type) =>
        type.Namespace?.StartsWith("Cortex.Api.Infrastructure", StringComparison.Ordinal) == true
        || (type.IsGenericType && type.GetGenericArguments().Any(IsInfrastructure))
        || (type.HasElementType && IsInfrastructure(type.GetElementType()!));

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var field in type.GetFields(All))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(All))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var local in method.GetMethodBody()?.LocalVariables ?? [])
            {
                yield return local.LocalType;
            }
        }
    }

    [GeneratedRegex(@"Cortex\.Api\.Infrastructure[\w.]*")]
    private static partial Regex InfrastructureReference();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex DeclaredType();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();
}
