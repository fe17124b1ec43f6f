using System.Text.Json.Serialization;

namespace MLOps.Artifacts;

/// <summary>The pointer file stored under <c>refs/</c> for one logical path.</summary>
internal sealed record RefDocument(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("length")] long Length,
    [property: JsonPropertyName("created")] string Created);

[JsonSerializable(typeof(RefDocument))]
internal sealed partial class RefJsonContext : JsonSerializerContext;
