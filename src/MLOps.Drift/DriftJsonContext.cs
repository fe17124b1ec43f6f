using System.Text.Json.Serialization;

namespace MLOps.Drift;

/// <summary>Source-generated JSON contracts for profiles and reports: camelCase, enums as names, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    WriteIndented = true)]
[JsonSerializable(typeof(ReferenceProfile))]
[JsonSerializable(typeof(DriftReport))]
internal sealed partial class DriftJsonContext : JsonSerializerContext
{
}
