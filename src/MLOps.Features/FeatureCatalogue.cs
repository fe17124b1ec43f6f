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
        ["source"] = SourceJson(v.Source),
        ["tags"] = new JsonObject([.. v.Tags.OrderBy(static t => t.Key, StringComparer.Ordinal).Select(static t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value)))]),
    };

    private static JsonObject SourceJson(ParquetSource source)
    {
        var json = new JsonObject
        {
            ["path"] = source.Path,
            ["timestamp_field"] = source.TimestampField,
            ["created_timestamp_column"] = source.CreatedTimestampColumn,
        };

        // Written only when present, so catalogues saved before field mappings existed diff as unchanged.
        if (source.FieldMapping is { Count: > 0 } mapping)
        {
            json["field_mapping"] = new JsonObject([.. mapping.OrderBy(static m => m.Key, StringComparer.Ordinal).Select(static m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))]);
        }

        return json;
    }

    /// <summary>
    /// Rebuilds a catalogue from its JSON form (<see cref="ToJson"/>): entities, feature views, on-demand views and
    /// feature services, in dependency order. Transform functions are code, not data: pass each on-demand view's
    /// function by view name.
    /// </summary>
    /// <param name="json">JSON from <see cref="ToJson"/>.</param>
    /// <param name="transforms">The on-demand views' functions by view name; required when the JSON has on-demand views.</param>
    /// <returns>The catalogue; <c>FromJson(c.ToJson()).ToJson()</c> equals <c>c.ToJson()</c>.</returns>
    /// <exception cref="FeatureDefinitionException">The JSON is not a valid catalogue, names an unknown entity, or an on-demand view has no function.</exception>
    public static FeatureCatalogue FromJson(string json, IReadOnlyDictionary<string, Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>>? transforms = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new FeatureDefinitionException("The catalogue JSON is empty.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FeatureDefinitionException($"The catalogue is not valid JSON: {ex.Message}");
        }

        try
        {
            var catalogue = new FeatureCatalogue();
            foreach (var e in Items(root, "entities"))
            {
                catalogue.Add(new Entity(Text(e, "name"), Text(e, "join_key"), ValueType(e, "value_type")));
            }

            foreach (var v in Items(root, "feature_views"))
            {
                var name = Text(v, "name");
                var entities = Items(v, "entities").Select(n => catalogue._entities.GetValueOrDefault(n.GetValue<string>())
                    ?? throw new FeatureDefinitionException($"Feature view '{name}' uses entity '{n.GetValue<string>()}', which the catalogue JSON does not define.")).ToArray();
                var source = v["source"]?.AsObject() ?? throw new FeatureDefinitionException($"Feature view '{name}' has no source.");
                var mapping = source["field_mapping"] is JsonObject m
                    ? m.ToDictionary(static kv => kv.Key, static kv => kv.Value!.GetValue<string>(), StringComparer.Ordinal)
                    : null;
                var tags = v["tags"] is JsonObject t
                    ? t.ToDictionary(static kv => kv.Key, static kv => kv.Value!.GetValue<string>(), StringComparer.Ordinal)
                    : null;
                catalogue.Add(new FeatureView(name, entities, Schema(v, "schema"),
                    new ParquetSource(Text(source, "path"), Text(source, "timestamp_field"), source["created_timestamp_column"]?.GetValue<string>(), mapping),
                    TimeSpan.FromSeconds(v["ttl_seconds"]?.GetValue<double>() ?? 0), v["online"]?.GetValue<bool>() ?? true, tags));
            }

            foreach (var o in Items(root, "on_demand_feature_views"))
            {
                var name = Text(o, "name");
                var transform = transforms?.GetValueOrDefault(name)
                    ?? throw new FeatureDefinitionException($"On-demand view '{name}' needs its transform function; pass it in 'transforms' under that name.");
                catalogue.Add(new OnDemandFeatureView(name, [.. Items(o, "inputs").Select(static n => n.GetValue<string>())],
                    Schema(o, "request_fields"), Schema(o, "schema"), transform));
            }

            foreach (var f in Items(root, "feature_services"))
            {
                catalogue.Add(new FeatureService(Text(f, "name"), [.. Items(f, "features").Select(static n => n.GetValue<string>())]));
            }

            return catalogue;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException)
        {
            throw new FeatureDefinitionException($"The catalogue JSON does not have the expected shape: {ex.Message}");
        }
    }

    private static IEnumerable<JsonNode> Items(JsonNode node, string property) =>
        node[property] is JsonArray a ? a.Select(static n => n ?? throw new FeatureDefinitionException("The catalogue JSON holds a null item.")) : [];

    private static string Text(JsonNode node, string property) =>
        node[property]?.GetValue<string>() ?? throw new FeatureDefinitionException($"A catalogue JSON object lacks '{property}'.");

    private static FeatureValueType ValueType(JsonNode node, string property)
    {
        var text = Text(node, property);
        return Enum.TryParse<FeatureValueType>(text, ignoreCase: false, out var type) && Enum.IsDefined(type)
            ? type
            : throw new FeatureDefinitionException($"The catalogue JSON names the unknown value type '{text}'; use one of {string.Join(", ", Enum.GetNames<FeatureValueType>())}.");
    }

    private static FeatureField[] Schema(JsonNode node, string property) =>
        [.. Items(node, property).Select(static f => new FeatureField(Text(f, "name"), ValueType(f, "dtype")))];

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
