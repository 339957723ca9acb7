using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cortex.Tests.Terraform;

/// <summary>
/// Static checks over a <see cref="TerraformModule"/>. Each returns the violations it finds as
/// readable sentences naming the offending block; an empty list means the invariant holds.
/// </summary>
internal static partial class TerraformPolicy
{
    private static readonly string[] PublicAccessBlockSettings =
        ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

    /// <summary>Queues named as a DLQ by a redrive policy or an EventBridge target's dead_letter_config.</summary>
    public static IReadOnlySet<string> DeadLetterQueues(TerraformModule module)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var queue in module.ResourcesOfType("aws_sqs_queue"))
        {
            if (queue.String("redrive_policy") is { } redrive && DeadLetterTargetReference().Match(redrive) is { Success: true } match)
            {
                names.Add(match.Groups[1].Value);
            }
        }

        foreach (var target in module.ResourcesOfType("aws_cloudwatch_event_target"))
        {
            foreach (var config in target.NestedBlocks("dead_letter_config"))
            {
                if (StringOf(config, "arn") is { } arn && QueueArnReference().Match(arn) is { Success: true } match)
                {
                    names.Add(match.Groups[1].Value);
                }
            }
        }

        return names;
    }

    public static IReadOnlyList<string> QueuesWithoutDeadLetterQueue(TerraformModule module)
    {
        var deadLetterQueues = DeadLetterQueues(module);
        return module.ResourcesOfType("aws_sqs_queue")
            .Where(queue => !deadLetterQueues.Contains(queue.Name))
            .Where(queue => queue.String("redrive_policy") is not { } redrive || !DeadLetterTargetReference().IsMatch(redrive))
            .Select(queue => $"{queue.Address} has no redrive_policy to a dead-letter queue and is no dead-letter queue itself")
            .ToList();
    }

    public static IReadOnlyList<string> DeadLetterQueuesWithoutAlarm(TerraformModule module)
    {
        var alarms = module.ResourcesOfType("aws_cloudwatch_metric_alarm")
            .Where(alarm => alarm.String("metric_name") == "ApproximateNumberOfMessagesVisible"
                && alarm.String("comparison_operator") == "GreaterThanThreshold"
                && alarm.Attribute("threshold") is { ValueKind: JsonValueKind.Number } threshold && threshold.GetDouble() == 0
                && alarm.Attribute("alarm_actions") is not null)
            .Select(alarm => WithReferencedLocals(module, alarm.Raw))
            .ToList();

        return DeadLetterQueues(module)
            .Where(name => !alarms.Any(alarm => alarm.Contains($"aws_sqs_queue.{name}.name", StringComparison.Ordinal)))
            .Select(name => $"dead-letter queue aws_sqs_queue.{name} has no 'ApproximateNumberOfMessagesVisible > 0' alarm with actions")
            .ToList();
    }

    public static IReadOnlyList<string> RuleTargetsWithoutDeadLetterQueue(TerraformModule module)
    {
        var violations = new List<string>();
        foreach (var target in module.ResourcesOfType("aws_cloudwatch_event_target"))
        {
            var arn = target.NestedBlocks("dead_letter_config").Select(config => StringOf(config, "arn")).FirstOrDefault();
            if (arn is null || !QueueArnReference().IsMatch(arn))
            {
                violations.Add($"{target.Address} has no dead_letter_config pointing at an SQS queue");
            }

            if (!target.NestedBlocks("retry_policy").Any())
            {
                violations.Add($"{target.Address} has no retry_policy");
            }
        }

        return violations;
    }

    public static IReadOnlyList<string> MappingsWithoutBatchItemFailures(TerraformModule module) =>
        module.ResourcesOfType("aws_lambda_event_source_mapping")
            .Where(mapping => mapping.Attribute("function_response_types") is not { ValueKind: JsonValueKind.Array } types
                || !types.EnumerateArray().Any(type => type.ValueKind == JsonValueKind.String && type.GetString() == "ReportBatchItemFailures"))
            .Select(mapping => $"{mapping.Address} does not set function_response_types = [\"ReportBatchItemFailures\"]")
            .ToList();

    /// <summary>
    /// The API Gateway routes as "METHOD /path" (HTTP API route keys, and REST resources and methods
    /// where present), resolving for_each over locals; unresolvable ones are violations.
    /// </summary>
    public static (IReadOnlyList<string> Routes, IReadOnlyList<string> Violations) ApiRoutes(TerraformModule module, string internalPath)
    {
        var violations = new List<string>();
        var resources = module.ResourcesOfType("aws_api_gateway_resource").ToDictionary(resource => resource.Name, StringComparer.Ordinal);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);

        string? PathOf(string name, int depth)
        {
            if (paths.TryGetValue(name, out var known))
            {
                return known;
            }

            if (depth > 32 || !resources.TryGetValue(name, out var resource))
            {
                return null;
            }

            var parent = resource.String("parent_id") ?? string.Empty;
            var parentPath = RootResourceReference().IsMatch(parent)
                ? string.Empty
                : ResourceReference().Match(parent) is { Success: true } match ? PathOf(match.Groups[1].Value, depth + 1) : null;
            if (parentPath is null)
            {
                return null;
            }

            var path = $"{parentPath}/{resource.String("path_part")}";
            paths[name] = path;
            return path;
        }

        foreach (var resource in resources.Values)
        {
            var pathPart = resource.String("path_part") ?? string.Empty;
            if (pathPart.Contains('+', StringComparison.Ordinal))
            {
                violations.Add($"{resource.Address} is a greedy catch-all ({pathPart}) that could reach the internal path");
            }

            var path = PathOf(resource.Name, 0);
            if (path is null)
            {
                violations.Add($"{resource.Address} has a parent that cannot be resolved statically");
            }
            else if (path.StartsWith("/internal", StringComparison.OrdinalIgnoreCase)
                || path.StartsWith(internalPath, StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{resource.Address} exposes {path}, an internal path");
            }
        }

        var routes = new List<string>();
        foreach (var method in module.ResourcesOfType("aws_api_gateway_method"))
        {
            foreach (var each in Instances(module, method))
            {
                var httpMethod = Resolve(module, method.String("http_method"), each);
                var resourceId = Resolve(module, method.String("resource_id"), each);
                string? path = null;
                if (resourceId is not null && RootResourceReference().IsMatch(resourceId))
                {
                    path = "/";
                }
                else if (resourceId is not null && ResourceReference().Match(resourceId) is { Success: true } match)
                {
                    path = PathOf(match.Groups[1].Value, 0);
                }

                if (httpMethod is null || path is null || httpMethod.Contains("${", StringComparison.Ordinal))
                {
                    violations.Add($"{method.Address} has a method or resource that cannot be resolved statically");
                    continue;
                }

                if (httpMethod == "ANY")
                {
                    violations.Add($"{method.Address} is an ANY method on {path}");
                }

                routes.Add($"{httpMethod} {path}");
            }
        }

        foreach (var route in module.ResourcesOfType("aws_apigatewayv2_route"))
        {
            foreach (var each in Instances(module, route))
            {
                var routeKey = ResolveTemplate(route.String("route_key"), each);
                if (routeKey is null)
                {
                    violations.Add($"{route.Address} has a route key that cannot be resolved statically");
                    continue;
                }

                if (routeKey == "$default")
                {
                    violations.Add($"{route.Address} is the $default catch-all route, which could reach the internal path");
                    continue;
                }

                var (httpMethod, path) = routeKey.IndexOf(' ', StringComparison.Ordinal) is var space and > 0
                    ? (routeKey[..space], routeKey[(space + 1)..])
                    : (routeKey, string.Empty);
                if (path.Contains('+', StringComparison.Ordinal))
                {
                    violations.Add($"{route.Address} is a greedy catch-all ({path}) that could reach the internal path");
                }

                if (httpMethod == "ANY")
                {
                    violations.Add($"{route.Address} is an ANY method on {path}");
                }

                if (path.StartsWith("/internal", StringComparison.OrdinalIgnoreCase) || path.StartsWith(internalPath, StringComparison.OrdinalIgnoreCase))
                {
                    violations.Add($"{route.Address} exposes {path}, an internal path");
                }

                routes.Add(routeKey);
            }
        }

        violations.AddRange(module.ResourcesOfType("aws_apigatewayv2_api")
            .Where(api => api.Attribute("body") is not null || api.Attribute("target") is not null)
            .Select(api => $"{api.Address} imports an OpenAPI body or quick-creates a $default route, which these checks cannot see"));
        violations.AddRange(module.Resources
            .Where(resource => resource.Type.StartsWith("aws_api_gateway_", StringComparison.Ordinal) && resource.Type != "aws_api_gateway_account")
            .Select(resource => $"{resource.Address} is a REST API resource; Cortex's public routes are the HTTP API's only"));

        routes.Sort(StringComparer.Ordinal);
        return (routes, violations);
    }

    /// <summary>
    /// Grants (Allow statements) with a wildcard action or a "*" resource, not-actions/not-resources,
    /// public principals, and policies written inline (which this check could not see).
    /// <paramref name="allowList"/> holds "document/sid" pairs whose wildcards AWS requires.
    /// </summary>
    public static (IReadOnlyList<string> Violations, IReadOnlySet<string> AllowListed) WildcardGrants(
        TerraformModule module, IReadOnlySet<string> allowList)
    {
        var violations = new List<string>();
        var used = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var document in module.DataSourcesOfType("aws_iam_policy_document"))
        {
            if (document.Attribute("dynamic") is not null || document.Attribute("source_policy_documents") is not null
                || document.Attribute("override_policy_documents") is not null)
            {
                violations.Add($"{document.Address} builds statements dynamically or from other documents; write them out");
            }

            foreach (var statement in document.NestedBlocks("statement"))
            {
                if (StringOf(statement, "effect") == "Deny")
                {
                    continue;
                }

                var sid = StringOf(statement, "sid") ?? "(no sid)";
                var key = $"{document.Name}/{sid}";
                var where = $"{document.Address} statement {sid}";

                if (statement.TryGetProperty("not_actions", out _) || statement.TryGetProperty("not_resources", out _))
                {
                    violations.Add($"{where} grants by exclusion (not_actions/not_resources)");
                }

                foreach (var principals in TerraformBlock.NestedBlocks(statement, "principals"))
                {
                    if (Strings(principals, "identifiers") is not { } identifiers || identifiers.Contains("*"))
                    {
                        violations.Add($"{where} grants to any principal");
                    }
                }

                var actions = Strings(statement, "actions");
                var wildcardActions = actions?.Where(action => action.Contains('*', StringComparison.Ordinal)).ToList();
                if (actions is null)
                {
                    violations.Add($"{where} has actions that are not a literal list");
                }
                else if (wildcardActions!.Count > 0)
                {
                    if (allowList.Contains(key))
                    {
                        used.Add(key);
                    }
                    else
                    {
                        violations.Add($"{where} grants wildcard actions {string.Join(", ", wildcardActions)}");
                    }
                }

                if (statement.TryGetProperty("resources", out var resources))
                {
                    // A list expression (concat, for) is accepted when it holds no literal "*".
                    var wildcards = resources.ValueKind switch
                    {
                        JsonValueKind.Array => resources.EnumerateArray()
                            .Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText())
                            .Where(IsWildcardResource)
                            .ToList(),
                        JsonValueKind.String when resources.GetString()!.Contains("\"*\"", StringComparison.Ordinal) => ["*"],
                        JsonValueKind.String => [],
                        _ => [resources.GetRawText()],
                    };
                    if (wildcards.Count > 0 && allowList.Contains(key))
                    {
                        used.Add(key);
                    }
                    else if (wildcards.Count > 0)
                    {
                        violations.Add($"{where} grants on resource {string.Join(", ", wildcards.Select(wildcard => $"\"{wildcard}\""))}");
                    }
                }
            }
        }

        foreach (var resource in module.Resources)
        {
            foreach (var attribute in new[] { "policy", "assume_role_policy" })
            {
                if (resource.Attribute(attribute) is { } value
                    && (value.ValueKind != JsonValueKind.String || !PolicyDocumentReference().IsMatch(value.GetString()!)))
                {
                    violations.Add($"{resource.Address}.{attribute} is not a data.aws_iam_policy_document reference, so it cannot be checked");
                }
            }

            if (resource.Type is "aws_iam_role_policy_attachment" or "aws_iam_policy_attachment" or "aws_iam_user_policy_attachment"
                || resource.Attribute("managed_policy_arns") is not null)
            {
                violations.Add($"{resource.Address} attaches a managed policy, whose grants this check cannot see");
            }
        }

        return (violations, used);
    }

    public static IReadOnlyList<string> UnencryptedStores(TerraformModule module)
    {
        var violations = new List<string>();

        violations.AddRange(module.ResourcesOfType("aws_sqs_queue")
            .Where(queue => !IsTrue(queue.Attribute("sqs_managed_sse_enabled")) && queue.String("kms_master_key_id") is null)
            .Select(queue => $"{queue.Address} has no server-side encryption"));

        violations.AddRange(module.ResourcesOfType("aws_dynamodb_table")
            .Where(table => !table.NestedBlocks("server_side_encryption").Any(sse => IsTrue(Property(sse, "enabled"))))
            .Select(table => $"{table.Address} has no server_side_encryption {{ enabled = true }}"));

        violations.AddRange(module.ResourcesOfType("aws_sns_topic")
            .Where(topic => topic.String("kms_master_key_id") is null)
            .Select(topic => $"{topic.Address} has no kms_master_key_id"));

        violations.AddRange(module.ResourcesOfType("aws_kinesis_firehose_delivery_stream")
            .Where(stream => !stream.NestedBlocks("server_side_encryption").Any(sse => IsTrue(Property(sse, "enabled"))))
            .Select(stream => $"{stream.Address} has no server_side_encryption {{ enabled = true }}"));

        foreach (var bucket in module.ResourcesOfType("aws_s3_bucket"))
        {
            var reference = $"aws_s3_bucket.{bucket.Name}.";
            var encryption = module.ResourcesOfType("aws_s3_bucket_server_side_encryption_configuration")
                .Where(configuration => configuration.String("bucket")?.Contains(reference, StringComparison.Ordinal) == true)
                .SelectMany(configuration => configuration.NestedBlocks("rule"))
                .SelectMany(rule => TerraformBlock.NestedBlocks(rule, "apply_server_side_encryption_by_default"))
                .Any(defaults => StringOf(defaults, "sse_algorithm") is not null);
            if (!encryption)
            {
                violations.Add($"{bucket.Address} has no default server-side encryption");
            }

            var blocked = module.ResourcesOfType("aws_s3_bucket_public_access_block")
                .Any(block => block.String("bucket")?.Contains(reference, StringComparison.Ordinal) == true
                    && PublicAccessBlockSettings.All(setting => IsTrue(block.Attribute(setting))));
            if (!blocked)
            {
                violations.Add($"{bucket.Address} does not block all public access");
            }
        }

        return violations;
    }

    /// <summary>
    /// Names shared with the app (terraform/resources.json) written as literals in a .tf file, and
    /// named resources whose name is not an expression over locals.
    /// </summary>
    public static IReadOnlyList<string> HardCodedSharedNames(TerraformModule module, IEnumerable<string> sharedNames)
    {
        var violations = new List<string>();
        foreach (var name in sharedNames.Where(name => name.IndexOfAny(['-', '_', '.', '/']) >= 0))
        {
            // The whole name, not part of a longer identifier (events-by-type-today is not by-type).
            var literal = new Regex($@"(?<![\w.-]){Regex.Escape(name)}(?![\w-])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            foreach (var (file, text) in module.Texts)
            {
                if (literal.IsMatch(text))
                {
                    violations.Add($"{file} hard-codes \"{name}\" from resources.json; use local.resources");
                }
            }
        }

        var nameAttributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["aws_sqs_queue"] = "name",
            ["aws_cloudwatch_event_bus"] = "name",
            ["aws_cloudwatch_event_rule"] = "name",
            ["aws_dynamodb_table"] = "name",
            ["aws_lambda_function"] = "function_name",
            ["aws_sns_topic"] = "name",
            ["aws_kinesis_firehose_delivery_stream"] = "name",
            ["aws_glue_catalog_database"] = "name",
            ["aws_glue_catalog_table"] = "name",
            ["aws_athena_workgroup"] = "name",
        };
        foreach (var resource in module.Resources)
        {
            if (nameAttributes.TryGetValue(resource.Type, out var attribute)
                && (resource.String(attribute) is not { } value || !value.StartsWith("${local.", StringComparison.Ordinal)))
            {
                violations.Add($"{resource.Address}.{attribute} is not taken from local values (resources.json)");
            }
        }

        return violations;
    }

    /// <summary>
    /// The resource names in resources.json that the app shares: every top-level string, the
    /// names inside rules, queues, table (and its indexes) and lambda, and the pass-through path.
    /// </summary>
    public static IReadOnlyList<string> SharedNames(JsonElement resourcesJson)
    {
        var names = new List<string>();
        foreach (var property in resourcesJson.EnumerateObject().Where(property => !property.Name.StartsWith('_')))
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    names.Add(property.Value.GetString()!);
                    break;
                case JsonValueKind.Object:
                    foreach (var member in property.Value.EnumerateObject())
                    {
                        if (member.Value.ValueKind == JsonValueKind.String
                            && (member.Name is "name" or "function_name" or "pass_through_path" || property.Name == "rule_target_dead_letter_queues"))
                        {
                            names.Add(member.Value.GetString()!);
                        }
                        else if (member.Value.ValueKind == JsonValueKind.Object && StringOf(member.Value, "name") is { } nested)
                        {
                            names.Add(nested);
                        }
                        else if (member.Name == "global_secondary_indexes")
                        {
                            names.AddRange(member.Value.EnumerateArray().Select(index => StringOf(index, "name")!));
                        }
                    }

                    break;
            }
        }

        return names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    // "*", or an ARN whose resource part is only a wildcard (arn:aws:s3:::*, every bucket). A
    // wildcard after a named resource (<log group>:log-stream:*, <bucket>/events/*) is scoped.
    private static bool IsWildcardResource(string resource)
    {
        if (resource == "*")
        {
            return true;
        }

        var parts = resource.Split(':', 6);
        return parts.Length == 6 && parts[0] == "arn" && parts[5].StartsWith('*');
    }

    private static List<JsonElement?> Instances(TerraformModule module, TerraformBlock block)
    {
        if (block.String("for_each") is not { } forEach)
        {
            return [null];
        }

        if (LocalReference().Match(forEach) is { Success: true } match && module.Locals.TryGetValue(match.Groups[1].Value, out var local)
            && local.ValueKind == JsonValueKind.Object)
        {
            return local.EnumerateObject().Select(instance => (JsonElement?)instance.Value).ToList();
        }

        return [null];
    }

    // Resolves "${each.value.x}" and "${local.map[each.value.x]}"; literals come back as they are.
    /// <summary>A string template whose only interpolations are each.value fields, resolved; null otherwise.</summary>
    private static string? ResolveTemplate(string? template, JsonElement? each)
    {
        if (template is null)
        {
            return null;
        }

        var resolved = EachValueInTemplate().Replace(template, match =>
            each is { ValueKind: JsonValueKind.Object } value && StringOf(value, match.Groups[1].Value) is { } text ? text : match.Value);
        return resolved.Contains("${", StringComparison.Ordinal) ? null : resolved;
    }

    private static string? Resolve(TerraformModule module, string? expression, JsonElement? each)
    {
        if (expression is null)
        {
            return null;
        }

        if (EachValueReference().Match(expression) is { Success: true } field)
        {
            return each is { ValueKind: JsonValueKind.Object } value ? StringOf(value, field.Groups[1].Value) : null;
        }

        if (LocalLookup().Match(expression) is { Success: true } lookup)
        {
            var key = each is { ValueKind: JsonValueKind.Object } value ? StringOf(value, lookup.Groups[2].Value) : null;
            return key is not null && module.Locals.TryGetValue(lookup.Groups[1].Value, out var map)
                && map.ValueKind == JsonValueKind.Object && map.TryGetProperty(key, out var entry)
                && entry.ValueKind == JsonValueKind.String
                    ? entry.GetString()
                    : null;
        }

        return expression;
    }

    private static string WithReferencedLocals(TerraformModule module, string text) =>
        string.Concat(LocalName().Matches(text)
            .Select(match => match.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .Where(module.Locals.ContainsKey)
            .Select(name => module.Locals[name].GetRawText())
            .Prepend(text));

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string? StringOf(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static List<string>? Strings(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.Array } array
            && array.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String)
            ? array.EnumerateArray().Select(item => item.GetString()!).ToList()
            : null;

    private static bool IsTrue(JsonElement? value) => value is { ValueKind: JsonValueKind.True };

    [GeneratedRegex(@"deadLetterTargetArn\s*=\s*aws_sqs_queue\.(\w+)\.arn")]
    private static partial Regex DeadLetterTargetReference();

    [GeneratedRegex(@"^\$\{aws_sqs_queue\.(\w+)\.arn\}$")]
    private static partial Regex QueueArnReference();

    [GeneratedRegex(@"\$\{each\.value\.(\w+)\}")]
    private static partial Regex EachValueInTemplate();

    [GeneratedRegex(@"^\$\{aws_api_gateway_rest_api\.\w+(\[0\])?\.root_resource_id\}$")]
    private static partial Regex RootResourceReference();

    [GeneratedRegex(@"^\$\{aws_api_gateway_resource\.(\w+)(\[0\])?\.id\}$")]
    private static partial Regex ResourceReference();

    [GeneratedRegex(@"^\$\{data\.aws_iam_policy_document\.\w+(\[0\])?\.json\}$")]
    private static partial Regex PolicyDocumentReference();

    [GeneratedRegex(@"^\$\{local\.(\w+)\}$")]
    private static partial Regex LocalReference();

    [GeneratedRegex(@"^\$\{each\.value\.(\w+)\}$")]
    private static partial Regex EachValueReference();

    [GeneratedRegex(@"^\$\{local\.(\w+)\[each\.value\.(\w+)\]\}$")]
    private static partial Regex LocalLookup();

    [GeneratedRegex(@"local\.(\w+)")]
    private static partial Regex LocalName();
}
