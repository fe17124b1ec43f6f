using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLOps.Features;

/// <summary>The kind of a catalogue change found by <see cref="FeatureCatalogue.Diff(FeatureCatalogue)"/>.</summary>
public enum CatalogueChangeKind
{
    /// <summary>The object exists only in the new catalogue.</summary>
    Added,

    /// <summary>The object exists only in the old catalogue.</summary>
    Removed,

    /// <summary>The object exists in both with different definitions.</summary>
    Changed,
}

/// <summary>One difference between two catalogues.</summary>
/// <param name="Kind">Added, removed or changed.</param>
/// <param name="ObjectType"><c>entity</c>, <c>feature_view</c>, <c>feature_service</c> or <c>on_demand_feature_view</c>.</param>
/// <param name="Name">The object's name.</param>
public sealed record CatalogueChange(CatalogueChangeKind Kind, string ObjectType, string Name);

/// <summary>
/// The definitions as code: entities, feature views, feature services and on-demand views, with reference
/// resolution, a JSON form that can be persisted, and a diff for <c>apply</c>. Build it once, then share it:
/// reads are thread-safe, <c>Add</c> calls are not.
/// </summary>
public sealed class FeatureCatalogue
{
    private readonly Dictionary<string, Entity> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FeatureView> _views = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FeatureService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnDemandFeatureView> _onDemand = new(StringComparer.Ordinal);

    /// <summary>Gets the entities.</summary>
    public IReadOnlyCollection<Entity> Entities => _entities.Values;

    /// <summary>Gets the feature views.</summary>
    public IReadOnlyCollection<FeatureView> FeatureViews => _views.Values;

    /// <summary>Gets the feature services.</summary>
    public IReadOnlyCollection<FeatureService> FeatureServices => _services.Values;

    /// <summary>Gets the on-demand views.</summary>
    public IReadOnlyCollection<OnDemandFeatureView> OnDemandFeatureViews => _onDemand.Values;

    /// <summary>Adds an entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <returns>This catalogue.</returns>
    /// <exception cref="FeatureDefinitionException">The name is taken or invalid.</exception>
    public FeatureCatalogue Add(Entity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        Names.Check(entity.Name, "entity");
        Names.Check(entity.JoinKey, "join key");
        AddUnique(_entities, entity.Name, entity, "entity");
        return this;
    }

    /// <summary>Adds a feature view; its entities are added when missing.</summary>
    /// <param name="view">The view.</param>
    /// <returns>This catalogue.</returns>
    /// <exception cref="FeatureDefinitionException">The name is taken, or an entity conflicts with a registered one.</exception>
    public FeatureCatalogue Add(FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (_onDemand.ContainsKey(view.Name))
        {
            throw new FeatureDefinitionException($"The name '{view.Name}' is already an on-demand view.");
        }

        foreach (var e in view.Entities)
        {
            if (_entities.TryGetValue(e.Name, out var existing))
            {
                if (existing != e)
                {
                    throw new FeatureDefinitionException($"Feature view '{view.Name}' uses entity '{e.Name}' with a definition that differs from the registered one.");
                }
            }
            else
            {
                Add(e);
            }
        }

        AddUnique(_views, view.Name, view, "feature view");
        return this;
    }

    /// <summary>Adds an on-demand view; its inputs must already be registered.</summary>
    /// <param name="view">The view.</param>
    /// <returns>This catalogue.</returns>
    /// <exception cref="FeatureDefinitionException">The name is taken or an input is unknown.</exception>
    public FeatureCatalogue Add(OnDemandFeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        Names.Check(view.Name, "on-demand view");
        if (_views.ContainsKey(view.Name))
        {
            throw new FeatureDefinitionException($"The name '{view.Name}' is already a feature view.");
        }

        foreach (var input in view.Inputs)
        {
            _ = ResolveStored(FeatureReference.Parse(input));
        }

        AddUnique(_onDemand, view.Name, view, "on-demand view");
        return this;
    }

    /// <summary>Adds a feature service; its references must resolve.</summary>
    /// <param name="service">The service.</param>
    /// <returns>This catalogue.</returns>
    /// <exception cref="FeatureDefinitionException">The name is taken or a reference is unknown.</exception>
    public FeatureCatalogue Add(FeatureService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        Names.Check(service.Name, "feature service");
        foreach (var r in service.Features)
        {
            _ = Resolve(r);
        }

        AddUnique(_services, service.Name, service, "feature service");
        return this;
    }

    /// <summary>Gets a feature view by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The view.</returns>
    /// <exception cref="FeatureDefinitionException">No such view.</exception>
    public FeatureView GetFeatureView(string name) =>
        _views.TryGetValue(name, out var v) ? v : throw new FeatureDefinitionException($"No feature view '{name}' is registered; add it to the catalogue first.");

    /// <summary>Gets a feature service by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The service.</returns>
    /// <exception cref="FeatureDefinitionException">No such service.</exception>
    public FeatureService GetFeatureService(string name) =>
        _services.TryGetValue(name, out var s) ? s : throw new FeatureDefinitionException($"No feature service '{name}' is registered; add it to the catalogue first.");

    /// <summary>Gets an on-demand view by name, or <see langword="null"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The view or <see langword="null"/>.</returns>
    public OnDemandFeatureView? FindOnDemand(string name) => _onDemand.GetValueOrDefault(name);

    /// <summary>Resolves <c>view:feature</c> (stored or on-demand) to its field.</summary>
    /// <param name="reference">The reference.</param>
    /// <returns>The parsed reference and its field.</returns>
    /// <exception cref="FeatureDefinitionException">The reference is malformed or unknown.</exception>
    public (FeatureReference Reference, FeatureField Field) Resolve(string reference)
    {
        var r = FeatureReference.Parse(reference);
        if (_onDemand.TryGetValue(r.View, out var odfv))
        {
            foreach (var f in odfv.Schema)
            {
                if (string.Equals(f.Name, r.Feature, StringComparison.Ordinal))
                {
                    return (r, f);
                }
            }

            throw new FeatureDefinitionException($"On-demand view '{r.View}' has no output '{r.Feature}'.");
        }

        return (r, ResolveStored(r));
    }

    private FeatureField ResolveStored(FeatureReference r) =>
        GetFeatureView(r.View).Find(r.Feature) ?? throw new FeatureDefinitionException($"Feature view '{r.View}' has no feature '{r.Feature}'.");

    /// <summary>Writes the catalogue as JSON (transform functions are code and are not persisted; their shape is).</summary>
    /// <returns>Indented JSON with objects sorted by name, so equal catalogues give equal text.</returns>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["entities"] = new JsonArray([.. _entities.Values.OrderBy(static e => e.Name, StringComparer.Ordinal).Select(static e => (JsonNode)EntityJson(e))]),
            ["feature_views"] = new JsonArray([.. _views.Values.OrderBy(static v => v.Name, StringComparer.Ordinal).Select(static v => (JsonNode)ViewJson(v))]),
            ["on_demand_feature_views"] = new JsonArray([.. _onDemand.Values.OrderBy(static v => v.Name, StringComparer.Ordinal).Select(static v => (JsonNode)OnDemandJson(v))]),
            ["feature_services"] = new JsonArray([.. _services.Values.OrderBy(static s => s.Name, StringComparer.Ordinal).Select(static s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["features"] = new JsonArray([.. s.Features.Select(static f => (JsonNode)JsonValue.Create(f))]),
            })]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Compares this (the new definitions) with a persisted JSON catalogue (the applied ones), as <c>feast plan</c> does.
    /// </summary>
    /// <param name="appliedJson">JSON from <see cref="ToJson"/>.</param>
    /// <returns>The changes, sorted by type then name.</returns>
    /// <exception cref="FeatureDefinitionException">The JSON is not a catalogue.</exception>
    public IReadOnlyList<CatalogueChange> Diff(string appliedJson)
    {
        ArgumentNullException.ThrowIfNull(appliedJson);
        JsonObject old;
        try
        {
            old = JsonNode.Parse(appliedJson)?.AsObject() ?? throw new FeatureDefinitionException("The applied catalogue JSON is empty.");
        }
        catch (JsonException ex)
        {
            throw new FeatureDefinitionException($"The applied catalogue is not valid JSON: {ex.Message}");
        }

        var now = JsonNode.Parse(ToJson())!.AsObject();
        var changes = new List<CatalogueChange>();
        foreach (var (section, type) in new[] { ("entities", "entity"), ("feature_views", "feature_view"), ("on_demand_feature_views", "on_demand_feature_view"), ("feature_services", "feature_service") })
        {
            var a = Index(old[section]);
            var b = Index(now[section]);
            foreach (var (name, node) in b)
            {
                if (!a.TryGetValue(name, out var before))
                {
                    changes.Add(new CatalogueChange(CatalogueChangeKind.Added, type, name));
                }
                else if (!JsonNode.DeepEquals(before, node))
                {
                    changes.Add(new CatalogueChange(CatalogueChangeKind.Changed, type, name));
                }
            }

            foreach (var name in a.Keys)
            {
                if (!b.ContainsKey(name))
                {
                    changes.Add(new CatalogueChange(CatalogueChangeKind.Removed, type, name));
                }
            }
        }

        return [.. changes.OrderBy(static c => c.ObjectType, StringComparer.Ordinal).ThenBy(static c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>Compares this catalogue with another one.</summary>
    /// <param name="applied">The applied catalogue.</param>
    /// <returns>The changes.</returns>
    public IReadOnlyList<CatalogueChange> Diff(FeatureCatalogue applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        return Diff(applied.ToJson());
    }

    private static SortedDictionary<string, JsonNode> Index(JsonNode? section)
    {
        var d = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        if (section is JsonArray arr)
        {
            foreach (var n in arr)
            {
                if (n?["name"]?.GetValue<string>() is { } name)
                {
                    d[name] = n;
                }
            }
        }

        return d;
    }

    private static JsonObject EntityJson(Entity e) => new()
    {
        ["name"] = e.Name,
        ["join_key"] = e.JoinKey,
        ["value_type"] = e.ValueType.ToString(),
    };

    private static JsonArray SchemaJson(IEnumerable<FeatureField> fields) =>
        new([.. fields.Select(static f => (JsonNode)new JsonObject { ["name"] = f.Name, ["dtype"] = f.Type.ToString() })]);

    private static JsonObject ViewJson(FeatureView v) => new()
    {
        ["name"] = v.Name,
        ["entities"] = new JsonArray([.. v.Entities.Select(static e => (JsonNode)JsonValue.Create(e.Name))]),
        ["schema"] = SchemaJson(v.Schema),
        ["ttl_seconds"] = v.Ttl.TotalSeconds,
        ["online"] = v.Online,
        ["source"] = new JsonObject
        {
            ["path"] = v.Source.Path,
            ["timestamp_field"] = v.Source.TimestampField,
            ["created_timestamp_column"] = v.Source.CreatedTimestampColumn,
        },
        ["tags"] = new JsonObject([.. v.Tags.OrderBy(static t => t.Key, StringComparer.Ordinal).Select(static t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value)))]),
    };

    private static JsonObject OnDemandJson(OnDemandFeatureView v) => new()
    {
        ["name"] = v.Name,
        ["inputs"] = new JsonArray([.. v.Inputs.Select(static f => (JsonNode)JsonValue.Create(f))]),
        ["request_fields"] = SchemaJson(v.RequestFields),
        ["schema"] = SchemaJson(v.Schema),
    };

    private static void AddUnique<T>(Dictionary<string, T> map, string name, T value, string what)
    {
        if (!map.TryAdd(name, value))
        {
            throw new FeatureDefinitionException($"A {what} named '{name}' is already registered.");
        }
    }
}
