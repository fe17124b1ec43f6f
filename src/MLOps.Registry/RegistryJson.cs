using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLOps.Registry;

/// <summary>JSON of the lineage and signature columns (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ModelLineage))]
[JsonSerializable(typeof(ModelSignature))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext
{
    public static string Serialize(ModelLineage value) => JsonSerializer.Serialize(value, Default.ModelLineage);

    public static string Serialize(ModelSignature value) => JsonSerializer.Serialize(value, Default.ModelSignature);

    public static ModelLineage? ReadLineage(string? json) => json is null ? null : JsonSerializer.Deserialize(json, Default.ModelLineage);

    public static ModelSignature? ReadSignature(string? json) => json is null ? null : JsonSerializer.Deserialize(json, Default.ModelSignature);
}
